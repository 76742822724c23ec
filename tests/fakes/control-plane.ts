// The loopback fake's Bedrock control plane (what @aws-sdk/client-bedrock calls), with the shapes real AWS answers:
// ListFoundationModels (profile-only models carry inferenceTypesSupported ["INFERENCE_PROFILE"], LEGACY models their
// end-of-life), GetFoundationModel, ListInferenceProfiles (SYSTEM_DEFINED or APPLICATION, paginated), provisioned
// throughput, custom and imported models, GetFoundationModelAvailability (authorized, agreement pending, not available).
// The region is the SigV4 scope's; a region outside `regions` answers like one the account has not opted into.
// Tests change `state` (deny an operation, add models, shrink the page size) and `reset()` puts the catalog back.

export const FAKE_ACCOUNT = "123456789012";

export interface FakeFoundationModel {
  modelId: string;
  modelName: string;
  providerName: string;
  inputModalities: string[];
  outputModalities: string[];
  responseStreamingSupported: boolean;
  inferenceTypesSupported: string[];
  lifecycle?: { status: "ACTIVE" | "LEGACY"; endOfLifeTime?: string; legacyTime?: string };
  agreement?: "AVAILABLE" | "PENDING" | "NOT_AVAILABLE";
  authorization?: "AUTHORIZED" | "NOT_AUTHORIZED";
  regionAvailable?: boolean;
}

export interface FakeProfile {
  inferenceProfileId: string;
  inferenceProfileName: string;
  type: "SYSTEM_DEFINED" | "APPLICATION";
  /** The foundation model it routes to. */
  modelId: string;
  /** Regions its models[].modelArn name; it is listed in each of them. */
  regions: string[];
  arn?: string;
}

export interface ControlPlaneState {
  models: FakeFoundationModel[];
  profiles: FakeProfile[];
  provisioned: { name: string; arn: string; foundationModelId: string; status: string; region: string }[];
  custom: { name: string; arn: string; baseModelId: string; region: string }[];
  imported: { name: string; arn: string; region: string }[];
  /** Operations answered with AccessDeniedException (e.g. "ListProvisionedModelThroughputs"). */
  denied: Set<string>;
  /** Regions where the account's Bedrock answers; others give UnrecognizedClientException. */
  regions: Set<string>;
  /** Largest page ListInferenceProfiles returns, whatever maxResults asks. */
  profilePageSize: number;
}

const fm = (region: string, id: string) => `arn:aws:bedrock:${region}::foundation-model/${id}`;

const SONNET = "anthropic.claude-3-5-sonnet-20241022-v2:0";
const LLAMA = "meta.llama3-2-90b-instruct-v1:0";

export function defaultCatalog(): ControlPlaneState {
  const text = (modelId: string, modelName: string, providerName: string, inferenceTypesSupported: string[], more: Partial<FakeFoundationModel> = {}): FakeFoundationModel => ({
    modelId, modelName, providerName, inputModalities: ["TEXT"], outputModalities: ["TEXT"], responseStreamingSupported: true, inferenceTypesSupported, ...more,
  });
  return {
    models: [
      text(SONNET, "Claude 3.5 Sonnet v2", "Anthropic", ["INFERENCE_PROFILE"], { inputModalities: ["TEXT", "IMAGE"] }),
      text("anthropic.claude-3-sonnet-20240229-v1:0", "Claude 3 Sonnet", "Anthropic", ["ON_DEMAND"], {
        inputModalities: ["TEXT", "IMAGE"],
        lifecycle: { status: "LEGACY", legacyTime: "2025-08-01T00:00:00Z", endOfLifeTime: "2027-03-01T00:00:00Z" },
      }),
      text("amazon.nova-micro-v1:0", "Nova Micro", "Amazon", ["ON_DEMAND", "INFERENCE_PROFILE"]),
      text("amazon.nova-lite-v1:0", "Nova Lite", "Amazon", ["ON_DEMAND", "INFERENCE_PROFILE"], { inputModalities: ["TEXT", "IMAGE", "VIDEO"] }),
      text(LLAMA, "Llama 3.2 90B Instruct", "Meta", ["INFERENCE_PROFILE"], { agreement: "PENDING" }),
      text("mistral.mistral-large-2402-v1:0", "Mistral Large (24.02)", "Mistral AI", ["ON_DEMAND"], { regionAvailable: false }),
      text("cohere.command-r-plus-v1:0", "Command R+", "Cohere", ["ON_DEMAND"], { agreement: "NOT_AVAILABLE", authorization: "NOT_AUTHORIZED" }),
      { ...text("amazon.titan-embed-text-v2:0", "Titan Text Embeddings V2", "Amazon", ["ON_DEMAND"]), outputModalities: ["EMBEDDING"], responseStreamingSupported: false },
    ],
    profiles: [
      { inferenceProfileId: `us.${SONNET}`, inferenceProfileName: "US Anthropic Claude 3.5 Sonnet v2", type: "SYSTEM_DEFINED", modelId: SONNET, regions: ["us-east-1", "us-east-2", "us-west-2"] },
      { inferenceProfileId: `global.${SONNET}`, inferenceProfileName: "Global Anthropic Claude 3.5 Sonnet v2", type: "SYSTEM_DEFINED", modelId: SONNET, regions: ["us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"] },
      { inferenceProfileId: `eu.${SONNET}`, inferenceProfileName: "EU Anthropic Claude 3.5 Sonnet v2", type: "SYSTEM_DEFINED", modelId: SONNET, regions: ["eu-west-1", "eu-central-1", "eu-west-3"] },
      { inferenceProfileId: `apac.${SONNET}`, inferenceProfileName: "APAC Anthropic Claude 3.5 Sonnet v2", type: "SYSTEM_DEFINED", modelId: SONNET, regions: ["ap-northeast-1", "ap-southeast-2"] },
      { inferenceProfileId: "us.amazon.nova-micro-v1:0", inferenceProfileName: "US Nova Micro", type: "SYSTEM_DEFINED", modelId: "amazon.nova-micro-v1:0", regions: ["us-east-1", "us-east-2", "us-west-2"] },
      { inferenceProfileId: `us.${LLAMA}`, inferenceProfileName: "US Meta Llama 3.2 90B Instruct", type: "SYSTEM_DEFINED", modelId: LLAMA, regions: ["us-east-1", "us-west-2"] },
      {
        inferenceProfileId: "a1b2c3d4e5f6",
        inferenceProfileName: "team-sonnet",
        type: "APPLICATION",
        modelId: SONNET,
        regions: ["us-east-1"],
        arn: `arn:aws:bedrock:us-east-1:${FAKE_ACCOUNT}:application-inference-profile/a1b2c3d4e5f6`,
      },
    ],
    provisioned: [{ name: "prod-nova", arn: `arn:aws:bedrock:us-east-1:${FAKE_ACCOUNT}:provisioned-model/pt0abc123def`, foundationModelId: "amazon.nova-micro-v1:0", status: "InService", region: "us-east-1" }],
    custom: [{ name: "support-tuned", arn: `arn:aws:bedrock:us-east-1:${FAKE_ACCOUNT}:custom-model/amazon.nova-micro-v1:0:128k/x1y2z3`, baseModelId: "amazon.nova-micro-v1:0", region: "us-east-1" }],
    imported: [{ name: "my-llama", arn: `arn:aws:bedrock:us-east-1:${FAKE_ACCOUNT}:imported-model/im0abc123`, region: "us-east-1" }],
    denied: new Set(),
    regions: new Set(["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"]),
    profilePageSize: 2,
  };
}

/** `n` plain on-demand text models (the bench's `redux-test-model --all` over 40 models). */
export const textModels = (n: number): FakeFoundationModel[] =>
  Array.from({ length: n }, (_, i) => ({
    modelId: `fake.text-model-${String(i + 1).padStart(2, "0")}-v1:0`,
    modelName: `Fake Text ${i + 1}`,
    providerName: "Fake",
    inputModalities: ["TEXT"],
    outputModalities: ["TEXT"],
    responseStreamingSupported: true,
    inferenceTypesSupported: ["ON_DEMAND"],
  }));

export interface ControlPlaneReply {
  status: number;
  /** The error name (x-amzn-errortype) when status is not 200. */
  errorType?: string;
  body: unknown;
}

const PATHS = /^\/(foundation-models|foundation-model-availability|inference-profiles|provisioned-model-throughputs|custom-models|imported-models)(?:\/([^/]+))?$/;

export const isControlPlanePath = (pathname: string) => PATHS.test(pathname);

export interface FakeControlPlane {
  state: ControlPlaneState;
  reset(): void;
  /** A bare foundation-model id that only answers through an inference profile. */
  profileOnly(modelId: string): boolean;
  /** The operation name of a request (for the request log), or undefined when no route matches. */
  operation(method: string, pathname: string): string | undefined;
  handle(method: string, url: URL, region: string | undefined): ControlPlaneReply;
}

export function createFakeControlPlane(): FakeControlPlane {
  const cp: FakeControlPlane = {
    state: defaultCatalog(),
    reset() {
      cp.state = defaultCatalog();
    },
    profileOnly(modelId) {
      const m = cp.state.models.find((x) => x.modelId === modelId);
      return Boolean(m && !m.inferenceTypesSupported.includes("ON_DEMAND") && m.inferenceTypesSupported.includes("INFERENCE_PROFILE"));
    },
    operation(method, pathname) {
      const m = PATHS.exec(pathname);
      if (!m || method !== "GET") return undefined;
      const [, what, id] = m;
      if (what === "foundation-models") return id ? "GetFoundationModel" : "ListFoundationModels";
      if (what === "foundation-model-availability") return id ? "GetFoundationModelAvailability" : undefined;
      if (what === "inference-profiles") return id ? "GetInferenceProfile" : "ListInferenceProfiles";
      if (what === "provisioned-model-throughputs") return id ? undefined : "ListProvisionedModelThroughputs";
      if (what === "custom-models") return id ? undefined : "ListCustomModels";
      return id ? undefined : "ListImportedModels";
    },
    handle(method, url, signedRegion) {
      const s = cp.state;
      const op = cp.operation(method, url.pathname);
      const region = signedRegion ?? "us-east-1";
      if (!op) return { status: 404, errorType: "UnknownOperationException", body: { message: `no route for ${method} ${url.pathname}` } };
      if (!s.regions.has(region)) return { status: 403, errorType: "UnrecognizedClientException", body: { message: "The security token included in the request is invalid." } };
      if (s.denied.has(op)) {
        return { status: 403, errorType: "AccessDeniedException", body: { message: `User: arn:aws:iam::${FAKE_ACCOUNT}:user/fake is not authorized to perform: bedrock:${op} on resource: *` } };
      }
      const id = decodeURIComponent(PATHS.exec(url.pathname)![2] ?? "");
      const summary = (m: FakeFoundationModel) => ({
        modelArn: fm(region, m.modelId),
        modelId: m.modelId,
        modelName: m.modelName,
        providerName: m.providerName,
        inputModalities: m.inputModalities,
        outputModalities: m.outputModalities,
        responseStreamingSupported: m.responseStreamingSupported,
        customizationsSupported: [],
        inferenceTypesSupported: m.inferenceTypesSupported,
        modelLifecycle: { status: m.lifecycle?.status ?? "ACTIVE", startOfLifeTime: "2024-10-22T00:00:00Z", ...(m.lifecycle?.legacyTime ? { legacyTime: m.lifecycle.legacyTime } : {}), ...(m.lifecycle?.endOfLifeTime ? { endOfLifeTime: m.lifecycle.endOfLifeTime } : {}) },
      });
      const notFound = (what: string) => ({ status: 404, errorType: "ResourceNotFoundException", body: { message: `${what} not found` } });
      switch (op) {
        case "ListFoundationModels": {
          const p = url.searchParams.get("byProvider");
          return { status: 200, body: { modelSummaries: s.models.filter((m) => !p || m.providerName.toLowerCase() === p.toLowerCase()).map(summary) } };
        }
        case "GetFoundationModel": {
          const m = s.models.find((x) => x.modelId === id || fm(region, x.modelId) === id);
          return m ? { status: 200, body: { modelDetails: summary(m) } } : notFound(`model ${id}`);
        }
        case "GetFoundationModelAvailability": {
          const m = s.models.find((x) => x.modelId === id);
          if (!m) return notFound(`model ${id}`);
          return {
            status: 200,
            body: {
              modelId: m.modelId,
              agreementAvailability: { status: m.agreement ?? "AVAILABLE" },
              authorizationStatus: m.authorization ?? "AUTHORIZED",
              entitlementAvailability: "AVAILABLE",
              regionAvailability: m.regionAvailable === false ? "NOT_AVAILABLE" : "AVAILABLE",
            },
          };
        }
        case "ListInferenceProfiles": {
          const type = url.searchParams.get("type") ?? "SYSTEM_DEFINED";
          const all = s.profiles.filter((p) => p.type === type && p.regions.includes(region));
          const start = Number(url.searchParams.get("nextToken")?.replace(/^page-/, "") ?? 0) || 0;
          const size = Math.min(Number(url.searchParams.get("maxResults") ?? 1000) || 1000, s.profilePageSize);
          const page = all.slice(start, start + size);
          return {
            status: 200,
            body: {
              inferenceProfileSummaries: page.map((p) => ({
                inferenceProfileId: p.inferenceProfileId,
                inferenceProfileName: p.inferenceProfileName,
                inferenceProfileArn: p.arn ?? `arn:aws:bedrock:${region}:${FAKE_ACCOUNT}:inference-profile/${p.inferenceProfileId}`,
                description: `Routes requests to ${p.modelId}`,
                models: p.regions.map((r) => ({ modelArn: fm(r, p.modelId) })),
                status: "ACTIVE",
                type: p.type,
                createdAt: "2024-10-22T00:00:00Z",
                updatedAt: "2024-10-22T00:00:00Z",
              })),
              ...(start + size < all.length ? { nextToken: `page-${start + size}` } : {}),
            },
          };
        }
        case "ListProvisionedModelThroughputs":
          return {
            status: 200,
            body: {
              provisionedModelSummaries: s.provisioned.filter((p) => p.region === region).map((p) => ({
                provisionedModelName: p.name, provisionedModelArn: p.arn, modelArn: fm(region, p.foundationModelId), desiredModelArn: fm(region, p.foundationModelId),
                foundationModelArn: fm(region, p.foundationModelId), modelUnits: 1, desiredModelUnits: 1, status: p.status,
                creationTime: "2025-01-01T00:00:00Z", lastModifiedTime: "2025-01-01T00:00:00Z",
              })),
            },
          };
        case "ListCustomModels":
          return {
            status: 200,
            body: {
              modelSummaries: s.custom.filter((c) => c.region === region).map((c) => ({
                modelArn: c.arn, modelName: c.name, creationTime: "2025-01-01T00:00:00Z", baseModelArn: fm(region, c.baseModelId), baseModelName: c.baseModelId,
                customizationType: "FINE_TUNING", ownerAccountId: FAKE_ACCOUNT, modelStatus: "Active",
              })),
            },
          };
        case "ListImportedModels":
          return { status: 200, body: { modelSummaries: s.imported.filter((c) => c.region === region).map((c) => ({ modelArn: c.arn, modelName: c.name, creationTime: "2025-01-01T00:00:00Z", instructSupported: true, modelArchitecture: "llama3" })) } };
        default:
          return notFound(op);
      }
    },
  };
  return cp;
}
