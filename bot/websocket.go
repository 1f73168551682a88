package bot

import (
	"context"
	"fmt"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkws "github.com/larksuite/oapi-sdk-go/v3/ws"
)

// RunWebsocket receives events and card callbacks over Lark's long connection (no public URL needed) and
// hands them to cfg.Handler, deduplicated like the webhook. It blocks until ctx is done, then disconnects and
// returns nil; it returns early with an error only when Lark refuses the connection for good (bad
// credentials, too many connections). Reconnects are the SDK's job. With several replicas connected Lark
// sends each event to one of them.
//
// The SDK's Start never returns after a successful connect and its ping loop never stops, so each call
// leaves two idle goroutines behind after it returns; call it once per process.
func RunWebsocket(ctx context.Context, appID, appSecret, baseURL string, cfg IntakeConfig) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	if baseURL == "" {
		baseURL = FeishuBaseURL
	}
	in := &intake{cfg: cfg}
	// Long-connection frames are neither encrypted nor signed: the TLS connection authenticates Lark.
	d := in.dispatcher("", "")
	cli := larkws.NewClient(appID, appSecret,
		larkws.WithEventHandler(d),
		larkws.WithDomain(baseURL),
		larkws.WithAutoReconnect(true),
		larkws.WithLogger(sdkLogger{cfg.Logger}),
		larkws.WithLogLevel(larkcore.LogLevelWarn),
	)
	errc := make(chan error, 1)
	go func() { errc <- cli.Start(ctx) }()
	select {
	case <-ctx.Done():
		cli.Close()
		cfg.Logger.Info("lark websocket closed")
		return nil
	case err := <-errc:
		return fmt.Errorf("lark websocket: %w", err)
	}
}
