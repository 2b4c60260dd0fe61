import { mountPage } from "../lib/mount";
import { SecurityPage } from "./SecurityPage";

mountPage(<SecurityPage />);
