import { mountPage } from "../lib/mount";
import { DnsPage } from "./DnsPage";

mountPage(<DnsPage />);
