/**
 * Build-time stand-in for `@aws-sdk/credential-provider-node` (see infra/bundle.ts).
 *
 * Lambda always provides the execution role's credentials in AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, so the full default chain (SSO, INI files, process,
 * IMDS, container, web identity, login: ~135 KB minified, most of the bundle's init cost) is dead
 * weight in the function. Emulators and tests set the same variables.
 */
import { fromEnv } from "@aws-sdk/credential-provider-env";

export const defaultProvider = (_init?: unknown) => fromEnv();
