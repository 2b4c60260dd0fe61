import { mountPage } from "../lib/mount";
import { StoragePage } from "./StoragePage";

mountPage(<StoragePage />);
