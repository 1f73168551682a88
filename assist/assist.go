package assist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/baton-crm/baton/crm"
)

// Config is what New needs: the endpoint and model (crm.AssistSettings), the API key read from the
// environment variable the settings name, and the time zone dates are written in.
type Config struct {
	Settings   crm.AssistSettings
	APIKey     string
	Location   *time.Location
	Budget     Budget
	Logger     *slog.Logger
	Now        func() time.Time
	HTTPClient *http.Client // nil: http.DefaultClient
}

// Assistant asks an OpenAI-compatible chat endpoint. It implements crm.Assistant.
type Assistant struct {
	cfg    Config
	client openai.Client
}

var _ crm.Assistant = (*Assistant)(nil)

// New returns an Assistant for cfg.
func New(cfg Config) *Assistant {
	if cfg.Settings.Timeout <= 0 {
		cfg.Settings.Timeout = crm.DefaultAssistTimeout
	}
	if cfg.Settings.DailyBudget <= 0 {
		cfg.Settings.DailyBudget = crm.DefaultAssistDailyBudget
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.Settings.BaseURL),
		option.WithHTTPClient(hc),
		// One retry at most: a person is waiting for the card, and every try counts against the budget.
		option.WithMaxRetries(1),
		option.WithRequestTimeout(cfg.Settings.Timeout),
		option.WithAPIKey(cfg.APIKey),
	}
	if cfg.APIKey == "" {
		opts = append(opts, option.WithHeaderDel("Authorization")) // Ollama and vLLM without a key
	}
	return &Assistant{cfg: cfg, client: openai.NewClient(opts...)}
}

// ask sends one system and one user message and decodes the JSON object answered into out. The user
// text is redacted first (contacts and the private values given); the answer's strings are restored by
// the caller through the returned placeholders. Only the feature, the lead id and sizes are logged.
func (a *Assistant) ask(ctx context.Context, feature string, leadID int64, system string, user crm.AssistText, out any) (Placeholders, error) {
	red, ph := Redact(user.Text, user.Private)
	system = strings.TrimSpace(system)
	if a.cfg.Budget != nil {
		day := a.cfg.Now().In(a.cfg.Location).Format("2006-01-02")
		if err := a.cfg.Budget.Take(ctx, day, a.cfg.Settings.DailyBudget); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Settings.Timeout)
	defer cancel()
	start := time.Now()
	resp, err := a.client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:       a.cfg.Settings.Model,
		Messages:    []openai.ChatCompletionMessageParamUnion{openai.SystemMessage(system), openai.UserMessage(red)},
		Temperature: openai.Float(0),
		// json_object, not json_schema: DeepSeek, Ollama and older vLLM builds accept only the former. The
		// shape is checked here instead.
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &shared.ResponseFormatJSONObjectParam{}},
	})
	attrs := []any{"feature", feature, "lead_id", leadID, "sent_bytes", len(system) + len(red),
		"placeholders", len(ph), "duration_ms", time.Since(start).Milliseconds()}
	if err != nil {
		a.cfg.Logger.WarnContext(ctx, "assist request failed", append(attrs, "error", errorKind(err))...)
		return nil, fmt.Errorf("assist %s: %w", feature, err)
	}
	if len(resp.Choices) == 0 {
		return nil, fmt.Errorf("assist %s: no answer", feature)
	}
	content := resp.Choices[0].Message.Content
	a.cfg.Logger.InfoContext(ctx, "assist request", append(attrs, "answer_bytes", len(content))...)
	if err := decodeAnswer(content, out); err != nil {
		return nil, fmt.Errorf("assist %s: %w", feature, err)
	}
	return ph, nil
}

// errorKind describes a failed request without its body, which may quote the text sent.
func errorKind(err error) string {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		return fmt.Sprintf("status %d", apiErr.StatusCode)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "transport"
}

// decodeAnswer reads the model's JSON object, tolerating a Markdown code fence around it.
func decodeAnswer(content string, out any) error {
	s := strings.TrimSpace(content)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "```json"), "```")
	s = strings.TrimSpace(strings.TrimSuffix(s, "```"))
	if err := json.Unmarshal([]byte(s), out); err != nil {
		return fmt.Errorf("answer is not the JSON object asked for: %w", err)
	}
	return nil
}
