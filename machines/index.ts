export { loginMachine } from './login.machine.ts'
export type { LoginMachine } from './login.machine.ts'
export { DEFAULT_RETRY_POLICY, DEFAULT_STEP_TIMEOUTS, PLATFORM_GRACE_MS } from './login.types.ts'
export type {
  LoginContext,
  LoginEffects,
  LoginEvent,
  LoginMachineInput,
  LoginStateName,
  LoginStep,
  RetryPolicy,
  StepTimeouts,
  StopSignal,
  StoredSession,
} from './login.types.ts'
