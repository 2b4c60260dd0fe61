import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

export default tseslint.config(
    { ignores: ["dist/", "generated/", "build/", "node_modules/", "debian/", "test/artifacts/"] },
    ...tseslint.configs.recommended,
    {
        plugins: { "react-hooks": reactHooks },
        rules: {
            "react-hooks/rules-of-hooks": "error",
            "react-hooks/exhaustive-deps": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
    {
        // pages share pure rules through helpers/lib; the daemon's and the CLI's folders are theirs
        // alone, and helpers/lib stays free of them so that a page importing it does not pull them in
        files: ["pkg/**/*.{ts,tsx}", "helpers/lib/**/*.ts"],
        rules: {
            "no-restricted-imports": ["error", {
                patterns: [{
                    regex: "(^|/)(debvisord|debvisorctl)(/|$)",
                    message: "Pages and helpers/lib must not import from the daemon's or the CLI's folders: move the shared pure rule to helpers/lib.",
                }],
            }],
        },
    },
    {
        // an assertion that cannot fail passes a test that did not run: skip it with its reason instead (test/lib/skip.ts)
        files: ["test/**/*.ts"],
        rules: {
            "no-restricted-syntax": ["error", {
                selector: "CallExpression[callee.object.name='assert'][callee.property.name=/^(true|ok)$/] > Literal.arguments:first-child[value=true]",
                message: "An assertion of a literal cannot fail: assert what was checked, or skip the test with moduleUnless/testUnless and the reason.",
            }],
        },
    },
);
