// The explicit map from the AWS Price List's product names to Bedrock model ids. Offers name models for people
// ("Claude Haiku 4.5 (Amazon Bedrock Edition)", "Nova Pro"), never by id, and a fuzzy match has priced new models
// as old ones; so a name is matched exactly, and only the names listed here are priced by `prices --refresh`.
import type { ProfilePrefix } from "./model-string.ts";

export type Offer = "AmazonBedrock" | "AmazonBedrockFoundationModels";
export const OFFERS: readonly Offer[] = ["AmazonBedrock", "AmazonBedrockFoundationModels"];

export interface PriceAlias {
  offer: Offer;
  /** The product's `model` attribute (AmazonBedrock) or `servicename` (AmazonBedrockFoundationModels), exactly. */
  name: string;
  /** The foundation model id. */
  id: string;
  /** Inference-profile prefixes AWS offers for it. */
  profiles: ProfilePrefix[];
}

const fm = (name: string, id: string, profiles: ProfilePrefix[]): PriceAlias => ({ offer: "AmazonBedrockFoundationModels", name: `${name} (Amazon Bedrock Edition)`, id, profiles });
const ab = (name: string, id: string, profiles: ProfilePrefix[]): PriceAlias => ({ offer: "AmazonBedrock", name, id, profiles });

export const PRICE_ALIASES: PriceAlias[] = [
  fm("Claude 3 Haiku", "anthropic.claude-3-haiku-20240307-v1:0", ["us", "eu", "apac"]),
  fm("Claude 3.5 Haiku", "anthropic.claude-3-5-haiku-20241022-v1:0", ["us"]),
  fm("Claude 3.5 Sonnet v2", "anthropic.claude-3-5-sonnet-20241022-v2:0", ["us", "apac"]),
  fm("Claude 3.7 Sonnet", "anthropic.claude-3-7-sonnet-20250219-v1:0", ["us", "eu", "apac"]),
  fm("Claude Sonnet 4", "anthropic.claude-sonnet-4-20250514-v1:0", ["us", "eu", "apac", "global"]),
  fm("Claude Opus 4.1", "anthropic.claude-opus-4-1-20250805-v1:0", ["us"]),
  fm("Claude Sonnet 4.5", "anthropic.claude-sonnet-4-5-20250929-v1:0", ["us", "eu", "jp", "au", "global"]),
  fm("Claude Haiku 4.5", "anthropic.claude-haiku-4-5-20251001-v1:0", ["us", "eu", "jp", "au", "global"]),
  ab("Nova Micro", "amazon.nova-micro-v1:0", ["us", "eu", "apac"]),
  ab("Nova Lite", "amazon.nova-lite-v1:0", ["us", "eu", "apac"]),
  ab("Nova Pro", "amazon.nova-pro-v1:0", ["us", "eu", "apac"]),
  ab("Nova Premier", "amazon.nova-premier-v1:0", ["us"]),
  ab("Llama 3.3 70B Instruct", "meta.llama3-3-70b-instruct-v1:0", ["us"]),
];

/** Geographic profile prefixes whose requests may start in a region (AWS prices them at that region's rates). */
export function geographiesOf(region: string): ProfilePrefix[] {
  if (region.startsWith("us-gov-")) return ["us-gov"];
  if (region.startsWith("us-")) return ["us"];
  if (region.startsWith("eu-")) return ["eu"];
  if (region.startsWith("ca-")) return ["ca"];
  if (region === "ap-northeast-1" || region === "ap-northeast-3") return ["apac", "jp"];
  if (region === "ap-southeast-2" || region === "ap-southeast-4") return ["apac", "au"];
  if (region.startsWith("ap-")) return ["apac"];
  return [];
}
