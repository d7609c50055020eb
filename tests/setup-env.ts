// The AWS SDK warns once per process that its 2027 releases need Node 22; the deployed function
// runs on nodejs22.x, and the warning is only noise in test output on Node 20 machines.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
