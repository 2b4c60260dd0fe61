import { mountPage } from "../lib/mount";
import { OverviewPage } from "./OverviewPage";

mountPage(<OverviewPage />);
