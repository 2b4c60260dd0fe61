import { mountPage } from "../lib/mount";
import { MachinesPage } from "./MachinesPage";

mountPage(<MachinesPage />);
