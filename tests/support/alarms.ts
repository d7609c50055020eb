/**
 * The alarm specs of a stack with placeholder AWS names: for tests that read which metrics the
 * alarms watch (namespace, name, `stack` dimension), not the API's or functions' physical names.
 */
import { alarmSpecs, type AlarmSpec } from "../../infra/alarms";

export function sampleAlarmSpecs(stack = "dev"): AlarmSpec[] {
  return alarmSpecs({
    stack,
    apiId: "api",
    stageName: "$default",
    functionName: "login-function",
    timeoutSeconds: 10,
    accountFunctionName: "account-function",
  });
}
