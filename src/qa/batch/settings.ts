import type { SdkClientSettings } from '../../models/sdk-common.js';

/** How a batch runner reaches its provider (keys and base URLs as for the chat providers). */
export type BatchRunnerSettings = SdkClientSettings;
