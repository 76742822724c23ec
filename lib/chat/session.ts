// A chat session: the model, the conversation (new, resumed by id/path, or the newest), its lock, where it is saved,
// and the Bedrock client, set up the same way for the one-shot prompt and the REPL.
import { ReduxError, ExitCode, translateAwsError } from "../errors.ts";
import { newConversation, type Conversation, type InferenceConfig } from "../conversations/conversation.ts";
import { findConversation, lockFile, newestConversation, reserveConversation, type StoreOptions } from "../conversations/store.ts";
import { chooseModel, type ModelChoice } from "../bedrock/model-choice.ts";
import { parseModelString } from "../bedrock/model-string.ts";
import { loadKey } from "../conversations/envelope.ts";
import { readSettings, type Settings } from "../settings.ts";
import { conversationsDir } from "../paths.ts";
import { parseTimeout } from "../bedrock/inference.ts";
import { chooseFallbacks, targetList, type Target } from "../bedrock/targets.ts";
import { cooldownMs, createHealth, type TargetHealth } from "../bedrock/health.ts";
import { regionClients, type ClientFor } from "../bedrock/clients.ts";
import { resolveRegion } from "../aws/profile.ts";
import type { ModelRef } from "../bedrock/model-string.ts";
import { runTurn, type TurnOptions, type TurnOutcome } from "./turn.ts";
import { bearerToken, type DebugLog } from "../aws/credentials.ts";
import type { AutoProfileOptions } from "../bedrock/auto-profile.ts";

interface SessionOptions {
  model?: string;
  region?: string;
  profile?: string;
  endpoint?: string;
  system?: string;
  inference: InferenceConfig;
  resume?: string;
  continueLast?: boolean;
  save: boolean;
  keyFile?: string;
  timeout?: string;
  /** Every --fallback given (they win over AMAZON_Q_FALLBACK_MODELS and chat.fallbackModels). */
  fallbacks?: string[];
  /** --auto-profile / --no-auto-profile; undefined: the setting chat.autoProfile (default on). */
  autoProfile?: boolean;
  debug?: DebugLog;
  env?: NodeJS.ProcessEnv;
}

export interface Session {
  conversation: Conversation;
  path?: string;
  store?: StoreOptions;
  /** Options for reading conversations even under --no-save (for /save and resume). */
  storeForRead: StoreOptions;
  modelSource: string;
  /** Files passed over while looking for the newest conversation (-c): damaged, foreign, or encrypted without a key. */
  skipped: { path: string; reason: string }[];
  profile?: string;
  /** The fallback models (after the conversation's own), and where they were configured. */
  fallbacks: ModelRef[];
  fallbackSource?: string;
  /** The conversation's model, then the fallbacks. */
  targets(): Target[];
  /** Resolves the credentials now (the REPL, before its first prompt): a missing or broken source fails here. */
  checkCredentials(): Promise<void>;
  /** The Bedrock client for a region (default: the conversation's), made once per region. */
  client(region?: string): ReturnType<ClientFor>;
  /** Bounds one request (--timeout, setting chat.timeoutSeconds). */
  timeoutMs: number;
  /** A one-shot prompt ends with its usage line (setting chat.showUsage; settings are read once, when the session opens). */
  showUsage: boolean;
  /** Switches model (REPL /model); a new client is made on next use. */
  setModel(model: string): Promise<ModelChoice>;
  /** Starts a new conversation with the same model and settings (REPL /clear): the old lock goes, the new one is taken. */
  restart(): void;
  /** Sends one prompt in this conversation (saved as configured) and remembers where the file is. */
  turn(prompt: string, o: Pick<TurnOptions, "onText" | "onReasoning" | "signal" | "attachments" | "features"> & { onAutoProfile?: AutoProfileOptions["onSwitch"] }): Promise<TurnOutcome>;
  /** Releases the conversation lock. */
  close(): void;
}

export async function openSession(o: SessionOptions): Promise<Session> {
  const env = o.env ?? process.env;
  const { settings, storeForRead, timeoutMs, inference, autoProfile } = sessionSettings(o, env);
  const resuming = Boolean(o.resume || o.continueLast);
  const opened = resuming ? await resumeConversation(o, storeForRead, inference, settings, env) : await startConversation(o, inference, settings, env);
  const { conversation, choice, skipped } = opened;
  let { path, release } = opened;
  const fallbacks = await sessionFallbacks(o, settings, env);
  // a new conversation is locked before its first save, so a `-c` elsewhere cannot take it up while its first answer
  // streams; after every check above, so a refused run creates nothing
  if (o.save && !resuming) ({ path, release } = reserveConversation(conversation, storeForRead));
  const health = createHealth({ baseMs: cooldownMs(env) });
  const clientFor = regionClients({ credentialRegion: conversation.region, profile: o.profile, endpoint: o.endpoint, timeoutMs, debug: o.debug });
  const session: Session = {
    conversation,
    path,
    store: o.save ? storeForRead : undefined,
    storeForRead,
    modelSource: choice.source,
    skipped,
    profile: o.profile,
    fallbacks: fallbacks.models,
    fallbackSource: fallbacks.source,
    targets: () => targetList(parseModelString(session.conversation.model), fallbacks.models),
    async checkCredentials() {
      // a Bedrock API key is not resolved: the SDK sends it as it is
      if (bearerToken(env) === "set") return;
      const c = await clientFor(session.conversation.region);
      await c.config.credentials().catch((e: unknown) => {
        throw translateAwsError(e, { region: session.conversation.region, profile: o.profile });
      });
    },
    client: (region) => clientFor(region ?? session.conversation.region),
    timeoutMs,
    showUsage: settings["chat.showUsage"] === true,
    async setModel(model) {
      const next = await chooseModel({ flag: model, region: o.region ?? session.conversation.region, profile: o.profile, env, settings });
      session.conversation.model = next.model;
      session.conversation.region = next.region;
      session.conversation.model_id = next.modelId;
      return next;
    },
    restart() {
      const c = session.conversation;
      release();
      release = () => {};
      session.path = undefined;
      session.conversation = newConversation({ model: c.model, region: c.region, model_id: c.model_id, system: c.system, inference_config: c.inference_config });
      if (session.store) ({ path: session.path, release } = reserveConversation(session.conversation, session.store));
    },
    turn: (prompt, t) => sessionTurn(session, { o, env, clientFor, health, timeoutMs, autoProfile }, prompt, t),
    close: () => release(),
  };
  return session;
}

/** The flags with the settings under them: the key, the store, the request bound, the inference defaults. */
function sessionSettings(o: SessionOptions, env: NodeJS.ProcessEnv) {
  const settings = readSettings(env);
  const key = loadKey({ keyFile: o.keyFile, settings, env });
  const storeForRead: StoreOptions = { dir: conversationsDir(env), ...(key ? { key } : {}) };
  const timeoutMs = parseTimeout(o.timeout, typeof settings["chat.timeoutSeconds"] === "number" ? settings["chat.timeoutSeconds"] : 60);
  const inference = { ...o.inference };
  const autoProfile = o.autoProfile ?? settings["chat.autoProfile"] !== false;
  if (inference.max_tokens === undefined && typeof settings["chat.maxTokens"] === "number") inference.max_tokens = settings["chat.maxTokens"];
  return { settings, storeForRead, timeoutMs, inference, autoProfile };
}

interface OpenedConversation {
  conversation: Conversation;
  path?: string;
  release: () => void;
  choice: ModelChoice;
  skipped: Session["skipped"];
}

/** A saved conversation (by id/path, or the newest), locked and re-read under the lock, with this run's model and settings. */
async function resumeConversation(o: SessionOptions, storeForRead: StoreOptions, inference: InferenceConfig, settings: Settings, env: NodeJS.ProcessEnv): Promise<OpenedConversation> {
  let found;
  let skipped: Session["skipped"] = [];
  if (o.resume) found = findConversation(o.resume, storeForRead);
  else ({ newest: found, skipped } = newestConversation(storeForRead));
  if (!found) throw new ReduxError(ExitCode.usage, `no saved conversation to continue in ${storeForRead.dir}`, "start one with: redux-chat -m MODEL \"prompt\"");
  const release = lockFile(found.path);
  let conversation: Conversation;
  let path: string;
  let choice: ModelChoice;
  try {
    // re-read under the lock: another process may have appended a turn since we looked
    const fresh = findConversation(found.path, storeForRead);
    conversation = fresh.conversation;
    path = fresh.path;
    if (!o.model && conversation.source?.kind === "amazon-q-cli") {
      throw new ReduxError(
        ExitCode.usage,
        `${conversation.conversation_id} was imported from the Amazon Q CLI, whose model ${conversation.model_id} is not a Bedrock model id`,
        "continue it with a Bedrock model: -m custom:<region>:<model-id>",
      );
    }
    choice = o.model
      ? await chooseModel({ flag: o.model, region: o.region, profile: o.profile, env, settings })
      : { ...parseModelString(conversation.model), source: "the conversation" };
  } catch (err) {
    release();
    throw err;
  }
  conversation.model = choice.model;
  conversation.region = choice.region;
  conversation.model_id = choice.modelId;
  if (o.system !== undefined) conversation.system = o.system;
  conversation.inference_config = { ...conversation.inference_config, ...inference };
  return { conversation, path, release, choice, skipped };
}

async function startConversation(o: SessionOptions, inference: InferenceConfig, settings: Settings, env: NodeJS.ProcessEnv): Promise<OpenedConversation> {
  const choice = await chooseModel({ flag: o.model, region: o.region, profile: o.profile, env, settings });
  const conversation = newConversation({ model: choice.model, region: choice.region, model_id: choice.modelId, system: o.system, inference_config: inference });
  return { conversation, release: () => {}, choice, skipped: [] };
}

/** Every fallback is checked here, before anything is sent. */
async function sessionFallbacks(o: SessionOptions, settings: Settings, env: NodeJS.ProcessEnv) {
  const flags = o.fallbacks ?? [];
  return chooseFallbacks({
    flags,
    env,
    setting: typeof settings["chat.fallbackModels"] === "string" ? settings["chat.fallbackModels"] : undefined,
    defaultRegion: flags.some((f) => !f.trim().startsWith("custom:")) ? await resolveRegion(o.region, o.profile) : undefined,
  });
}

interface TurnContext {
  o: SessionOptions;
  env: NodeJS.ProcessEnv;
  clientFor: ClientFor;
  health: TargetHealth;
  timeoutMs: number;
  autoProfile: boolean;
}

async function sessionTurn(session: Session, { o, env, clientFor, health, timeoutMs, autoProfile }: TurnContext, prompt: string, t: Parameters<Session["turn"]>[1]): Promise<TurnOutcome> {
  const targets = session.targets();
  // the first client is made before the prompt is saved: a setup error (a CA bundle that cannot be read) is
  // reported as itself, not as a failed turn
  await clientFor(targets[0]!.region);
  const outcome = await runTurn({
    clientFor,
    targets,
    health,
    debug: o.debug,
    conversation: session.conversation,
    prompt,
    attachments: t.attachments,
    features: t.features,
    store: session.store,
    path: session.path,
    onText: t.onText,
    onReasoning: t.onReasoning,
    signal: t.signal,
    firstEventTimeoutMs: timeoutMs,
    idleTimeoutMs: timeoutMs,
    profile: o.profile,
    autoProfile: autoProfile ? { profile: o.profile, timeoutMs: Math.min(timeoutMs, 30_000), debug: o.debug, env, onSwitch: t.onAutoProfile } : undefined,
  });
  session.path = outcome.path ?? session.path;
  return outcome;
}
