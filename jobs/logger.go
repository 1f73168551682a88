package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// asynqLogger adapts slog to asynq's printf-style Logger interface.
type asynqLogger struct{ l *slog.Logger }

var _ asynq.Logger = asynqLogger{}

func (a asynqLogger) log(level slog.Level, args []any) {
	if !a.l.Enabled(context.Background(), level) {
		return
	}
	a.l.Log(context.Background(), level, fmt.Sprint(args...), "component", "asynq")
}

func (a asynqLogger) Debug(args ...any) { a.log(slog.LevelDebug, args) }
func (a asynqLogger) Info(args ...any)  { a.log(slog.LevelInfo, args) }
func (a asynqLogger) Warn(args ...any)  { a.log(slog.LevelWarn, args) }
func (a asynqLogger) Error(args ...any) { a.log(slog.LevelError, args) }

// Fatal logs and exits, as asynq's contract demands; asynq calls it only when it cannot continue at all.
func (a asynqLogger) Fatal(args ...any) {
	a.log(slog.LevelError, args)
	os.Exit(1)
}

func orDefault(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}

// redisLogger routes go-redis's own messages (dial retries and the like) into slog at debug level instead of
// the standard logger, where they would print file:line noise on every failed dial.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}

var redisLoggerOnce sync.Once

// quietRedisLogs installs redisLogger process-wide (go-redis has one global logger).
func quietRedisLogs(logger *slog.Logger) {
	redisLoggerOnce.Do(func() { redis.SetLogger(redisLogger{log: logger}) })
}
