export { loginMachine } from './login.machine.ts'
export type { LoginMachine } from './login.machine.ts'
export { DEFAULT_RETRY_POLICY, DEFAULT_STEP_TIMEOUTS } from './login.types.ts'
export type {
  LoginContext,
  LoginEvent,
  LoginMachineInput,
  LoginStateName,
  LoginStep,
  RetryPolicy,
  StepTimeouts,
  StoredSession,
} from './login.types.ts'
