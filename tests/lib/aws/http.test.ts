import { expect, test } from "bun:test";
import { bypassesProxy, proxyDisplay, proxyFor, serviceUrl } from "../../../lib/aws/http.ts";

test("NO_PROXY: *, hosts, .domains, bare domains, host:port, IPv6", () => {
  expect(bypassesProxy("bedrock-runtime.us-east-1.amazonaws.com", "443", "*")).toBe(true);
  expect(bypassesProxy("bedrock-runtime.us-east-1.amazonaws.com", "443", ".amazonaws.com")).toBe(true);
  expect(bypassesProxy("bedrock-runtime.us-east-1.amazonaws.com", "443", "amazonaws.com")).toBe(true);
  expect(bypassesProxy("notamazonaws.com", "443", "amazonaws.com")).toBe(false);
  expect(bypassesProxy("127.0.0.1", "8080", "localhost, 127.0.0.1:9090")).toBe(false);
  expect(bypassesProxy("127.0.0.1", "9090", "localhost,127.0.0.1:9090")).toBe(true);
  expect(bypassesProxy("::1", "80", "[::1]")).toBe(true);
  expect(bypassesProxy("example.com", "443", undefined)).toBe(false);
});

test("HTTPS_PROXY for https, HTTP_PROXY for http, lowercase too, NO_PROXY wins", () => {
  const env = { HTTPS_PROXY: "http://secure-proxy:3128", http_proxy: "http://plain-proxy:3128", NO_PROXY: "internal.example" };
  expect(proxyFor("https://bedrock-runtime.us-east-1.amazonaws.com", env)).toBe("http://secure-proxy:3128");
  expect(proxyFor("http://127.0.0.1:8080", env)).toBe("http://plain-proxy:3128");
  expect(proxyFor("https://api.internal.example", env)).toBeUndefined();
  expect(proxyFor("https://x.amazonaws.com", {})).toBeUndefined();
  expect(proxyFor("https://x.amazonaws.com", { https_proxy: "proxy.corp:3128" })).toBe("http://proxy.corp:3128");
  expect(proxyFor("https://x.amazonaws.com", { HTTPS_PROXY: "https://u:p@proxy.corp" })).toBe("https://u:p@proxy.corp");
});

test("service endpoints: explicit, per-service env, generic env, then AWS (with the China suffix)", () => {
  expect(serviceUrl("STS", "us-east-1", undefined, {})).toBe("https://sts.us-east-1.amazonaws.com");
  expect(serviceUrl("BEDROCK_RUNTIME", "cn-north-1", undefined, {})).toBe("https://bedrock-runtime.cn-north-1.amazonaws.com.cn");
  expect(serviceUrl("STS", "us-east-1", undefined, { AWS_ENDPOINT_URL: "http://g", AWS_ENDPOINT_URL_STS: "http://s" })).toBe("http://s");
  expect(serviceUrl("BEDROCK_RUNTIME", "us-east-1", undefined, { AWS_ENDPOINT_URL: "http://g" })).toBe("http://g");
  expect(serviceUrl("BEDROCK_RUNTIME", "us-east-1", "http://e", { AWS_ENDPOINT_URL: "http://g" })).toBe("http://e");
  expect(serviceUrl("BEDROCK", "us-west-2", undefined, {})).toBe("https://bedrock.us-west-2.amazonaws.com");
  expect(serviceUrl("S3", "us-west-2", undefined, { AWS_ENDPOINT_URL: "http://g", AWS_ENDPOINT_URL_S3: "http://s3" })).toBe("http://s3");
});

test("a proxy URL is printed without its user and password", () => {
  expect(proxyDisplay("http://alice:s3cret@proxy.corp:3128")).toBe("http://proxy.corp:3128");
  expect(proxyDisplay("::")).toBe("(unparsable proxy URL)");
});
