// @ts-check
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "**/dist/", "plan/**", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `any` needs a reason in a comment: disable the rule on that line with an explanation.
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      "no-restricted-syntax": [
        "error",
        // The global partition's ARN prefix, hard-coded, is the classic aws-cn bug.
        {
          selector: "Literal[value=/arn:aws[:]/]",
          message: "Build ARNs from the partition table (core/partition.ts), not a global literal.",
        },
        {
          selector: "TemplateElement[value.raw=/arn:aws[:]/]",
          message: "Build ARNs from the partition table (core/partition.ts), not a global literal.",
        },
        {
          selector: "MemberExpression[object.property.name='iam'][property.name='ManagedPolicy']",
          message: "aws.iam.ManagedPolicy constants hard-code the global partition.",
        },
        {
          selector: "MemberExpression[property.name='CallbackFunction']",
          message: "aws.lambda.CallbackFunction attaches global-partition managed policies.",
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { module: "writable", require: "readonly" },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  prettier,
);
