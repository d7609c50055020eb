/**
 * The functions' adapters take the light JSON client (functions/login/aws-client.ts), which signs
 * with Lambda's environment credentials. Operators run the same adapters (scripts/users.ts) with
 * their own credentials (profiles, SSO): this serves the adapters' calls through an AWS SDK v3
 * client instead, so the default credential chain applies. Errors are the SDK's, which the
 * adapters classify by name as they do the light client's.
 */
import type { JsonClient } from "../functions/login/aws-client";

interface SdkClient {
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

type CommandClass = new (input: never) => unknown;

export function sdkJsonClient(
  client: SdkClient,
  commands: Readonly<Record<string, CommandClass>>,
): JsonClient {
  return {
    async json<T>(operation: string, input: object, signal?: AbortSignal): Promise<T> {
      const Command = commands[operation];
      if (!Command) throw new Error(`sdkJsonClient: no SDK command for ${operation}`);
      const command = new Command(input as never) as never;
      return (await client.send(command, signal ? { abortSignal: signal } : {})) as T;
    },
  };
}
