import { mountPage } from "../lib/mount";
import { BackupsPage } from "./BackupsPage";

mountPage(<BackupsPage />);
