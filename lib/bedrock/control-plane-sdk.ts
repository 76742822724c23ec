// The parts of the Bedrock control-plane SDK (@aws-sdk/client-bedrock) that redux calls, in one module imported
// lazily: the package's index would also load its other hundred commands, their paginators, waiters and enums.
export {
  BedrockClient,
  CreateModelInvocationJobCommand,
  GetFoundationModelAvailabilityCommand,
  GetFoundationModelCommand,
  GetModelInvocationJobCommand,
  ListFoundationModelsCommand,
  ListModelInvocationJobsCommand,
  paginateListCustomModels,
  paginateListImportedModels,
  paginateListInferenceProfiles,
  paginateListProvisionedModelThroughputs,
  StopModelInvocationJobCommand,
} from "@aws-sdk/client-bedrock";
