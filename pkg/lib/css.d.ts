// esbuild bundles imported style sheets into the page CSS file
declare module "*.css";
