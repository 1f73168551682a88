// Package assist is Baton's optional language-model assistant: a client for any OpenAI-compatible
// endpoint (a company's own Qwen, DeepSeek, vLLM or Ollama) that implements crm.Assistant. Before a text
// leaves Baton its phone numbers and email addresses are replaced by placeholders, restored in the answer;
// answers are JSON objects validated here; every request counts against a daily budget kept in Redis, so a
// restart does not reset it; what was sent is logged by id and size only.
//
// It may import crm (and the OpenAI client and Redis); nothing of Baton imports it but cmd/baton.
package assist
