import { mountPage } from "../lib/mount";
import { ClusterPage } from "./ClusterPage";

mountPage(<ClusterPage />);
