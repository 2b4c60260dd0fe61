import { mountPage } from "../lib/mount";
import { CompliancePage } from "./CompliancePage";

mountPage(<CompliancePage />);
