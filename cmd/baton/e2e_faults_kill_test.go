package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/jobs"
	"github.com/baton-crm/baton/storage/storagetest"
)

const (
	killLeads   = 1000
	killSenders = 16
	killAfter   = 300 // acknowledged leads before the SIGKILL
	killPools   = 20  // Lark allows 5 sends per second per chat: the cards are spread over several chats
)

// killConfig routes each campaign to its own pool and chat.
func killConfig() string {
	var b strings.Builder
	b.WriteString("timezone: Asia/Shanghai\nsources:\n  - {key: web-form, token: \"" + webToken + "\"}\npools:\n")
	for i := range killPools {
		fmt.Fprintf(&b, "  - {key: p%02d, name: 池%02d, chat_id: %s, mode: claim, managers: [%s]}\n", i, i, killChat(i), managerID)
	}
	b.WriteString("routing:\n")
	for i := 1; i < killPools; i++ {
		fmt.Fprintf(&b, "  - {match: {campaign: c%02d}, pool: p%02d}\n", i, i)
	}
	b.WriteString("  - {pool: p00}\n")
	return b.String()
}

func killChat(i int) string { return fmt.Sprintf("oc_kill_%02d", i) }

// proc is one `baton serve` child process.
type proc struct {
	cmd  *exec.Cmd
	base string
}

// buildBaton compiles the baton binary into dir.
func buildBaton(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "baton")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProc runs `baton serve` with env on a free port, appending its output to logPath, and waits until it
// answers /healthz.
func startProc(t *testing.T, bin string, env map[string]string, logPath string) *proc {
	t.Helper()
	addr := freeAddr(t)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "BATON_HTTP_ADDR=" + addr}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start baton: %v", err)
	}
	p := &proc{cmd: cmd, base: "http://" + addr}
	t.Cleanup(func() { p.stop() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("baton serve did not come up:\n%s", tailFile(logPath))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the process gracefully, or kills it after the shutdown grace.
func (p *proc) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

func (p *proc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill baton: %v", err)
	}
	_ = p.cmd.Wait()
}

func tailFile(path string) string {
	data, _ := os.ReadFile(path)
	return tail(string(data), 4000)
}

// TestFaultKilledMidBurst: 16 senders push 1,000 leads; the process is SIGKILLed after 300 answers and
// restarted; the senders retry what failed against the new process. Every acknowledged lead exists and every
// lead gets exactly one pool card, although some were stored and never answered and some had their card
// posted and never recorded.
func TestFaultKilledMidBurst(t *testing.T) {
	dir := t.TempDir()
	bin := buildBaton(t, dir)
	dbURL := storagetest.EmptyPostgres(t)
	redisURL := e2eRedis(t)
	emu := larktest.New(larktest.Config{AppID: "cli_kill_" + hex.EncodeToString([]byte("kill"))[:8],
		AppSecret: "kill-secret", VerificationToken: "kill-verify", EncryptKey: "kill-encrypt-key", TokenExpire: time.Hour})
	t.Cleanup(emu.Close)
	emu.AddUser(larktest.User{OpenID: managerID, Name: "主管", EnName: "Manager"})
	for i := range killPools {
		emu.AddChat(larktest.Chat{ChatID: killChat(i), Name: fmt.Sprintf("销售%02d", i), Members: []string{managerID}})
	}
	cfgPath := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(cfgPath, []byte(killConfig()), 0o600); err != nil {
		t.Fatal(err)
	}
	ec := emu.Config()
	env := map[string]string{
		"BATON_DATABASE_URL": dbURL, "BATON_REDIS_URL": redisURL, "BATON_DATA_KEY": strings.Repeat("cd", 32),
		"BATON_CONFIG": cfgPath, "BATON_DATA_DIR": dir, "BATON_API_TOKEN": adminToken, "BATON_LOG_FORMAT": "json",
		"BATON_LOG_LEVEL": "info", "LARK_APP_ID": ec.AppID, "LARK_APP_SECRET": ec.AppSecret,
		"LARK_VERIFICATION_TOKEN": ec.VerificationToken, "LARK_ENCRYPT_KEY": ec.EncryptKey, "LARK_BASE_URL": emu.URL(),
	}
	logPath := filepath.Join(dir, "baton.log")
	first := startProc(t, bin, env, logPath)
	emu.SetWebhook(first.base + "/lark/events")
	start := time.Now()

	var base atomic.Value // the server the senders talk to; swapped after the restart
	base.Store(first.base)
	var mu sync.Mutex
	acked := map[int]int64{} // lead number → id answered
	var nacked atomic.Int64
	var problems []string
	next := make(chan int, killLeads)
	for i := range killLeads {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range killSenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				lead := faultLead(i)
				lead["campaign"] = fmt.Sprintf("c%02d", i%killPools)
				for attempt := 0; ; attempt++ {
					status, id, err := sendLead(base.Load().(string), lead)
					if err == nil && (status == http.StatusCreated || status == http.StatusOK) {
						mu.Lock()
						if prev, ok := acked[i]; ok && prev != id {
							problems = append(problems, fmt.Sprintf("lead %d answered as %d and %d", i, prev, id))
						}
						acked[i] = id
						mu.Unlock()
						nacked.Add(1)
						break
					}
					if err == nil && status < 500 {
						mu.Lock()
						problems = append(problems, fmt.Sprintf("lead %d: HTTP %d", i, status))
						mu.Unlock()
						break
					}
					if attempt > 300 {
						mu.Lock()
						problems = append(problems, fmt.Sprintf("lead %d never acknowledged: %v", i, err))
						mu.Unlock()
						break
					}
					time.Sleep(100 * time.Millisecond) // the server is gone or restarting: retry as a form would
				}
			}
		}()
	}

	for nacked.Load() < killAfter {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("only %d leads acknowledged in 30 s\n%s", nacked.Load(), tailFile(logPath))
		}
		time.Sleep(time.Millisecond)
	}
	first.kill(t)
	killedAt := nacked.Load()
	second := startProc(t, bin, env, logPath)
	base.Store(second.base)
	emu.SetWebhook(second.base + "/lark/events")
	wg.Wait()
	lastAck := time.Now()
	for _, p := range problems {
		t.Error(p)
	}
	if len(acked) != killLeads {
		t.Fatalf("%d of %d leads acknowledged", len(acked), killLeads)
	}
	if killedAt >= killLeads {
		t.Fatalf("the burst finished before the kill")
	}

	// Every acknowledged lead is stored.
	ids := make([]int64, 0, len(acked))
	seen := map[int64]bool{}
	for _, id := range acked {
		if seen[id] {
			t.Errorf("two leads answered with id %d", id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	missing := checkLeadsExist(t, second.base, ids)
	if len(missing) > 0 {
		t.Fatalf("%d acknowledged leads are missing after the restart, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}

	// Every lead gets its card. Leads whose task died with the process wait for the sweep, which only takes
	// leads unchanged for 30 s; a sweep is enqueued every few seconds once that holds.
	cards := func() map[int64]int {
		all := map[int64]int{}
		for i := range killPools {
			for id, n := range poolCardsPerLead(emu, killChat(i)) {
				all[id] += n
			}
		}
		return all
	}
	deadline := time.Now().Add(100 * time.Second)
	lastSweep := time.Time{}
	for len(cards()) < len(ids) {
		if time.Now().After(deadline) {
			got := cards()
			var missing []int64
			for _, id := range ids {
				if got[id] == 0 {
					missing = append(missing, id)
				}
			}
			t.Fatalf("after %s, %d of %d leads have a pool card; without one: %v\n%s", time.Since(start).Round(time.Second),
				len(got), len(ids), missing, tailFile(logPath))
		}
		if time.Since(lastAck) > 31*time.Second && time.Since(lastSweep) > 5*time.Second {
			enqueueSweep(t, redisURL)
			lastSweep = time.Now()
		}
		time.Sleep(200 * time.Millisecond)
	}
	// A duplicate would be posted right behind the original: wait until Baton has gone quiet.
	last, since := len(emu.Calls()), time.Now()
	waitLong(t, time.Minute, "Baton to stop calling Lark", func() string { return tailFile(logPath) }, func() bool {
		if n := len(emu.Calls()); n != last {
			last, since = n, time.Now()
		}
		return time.Since(since) >= 2*time.Second
	})
	got := cards()
	bad := 0
	for _, id := range ids {
		if got[id] != 1 {
			if bad < 10 {
				t.Errorf("lead %d has %d pool cards, want 1", id, got[id])
			}
			bad++
		}
	}
	total := 0
	for i := range killPools {
		total += len(emu.Messages(killChat(i)))
	}
	// Bursts into a pool go out as boards: never more messages than leads.
	if bad > 0 || total > killLeads {
		t.Errorf("%d leads without exactly one card; %d messages in the pool chats for %d leads", bad, total, killLeads)
	}
	t.Logf("killed after %d acknowledgements; all %d leads offered in %d messages in %s", killedAt, killLeads, total,
		time.Since(start).Round(time.Second))
}

// checkLeadsExist reads every lead through the API and returns the ids that are not there.
func checkLeadsExist(t *testing.T, base string, ids []int64) []int64 {
	t.Helper()
	var mu sync.Mutex
	var missing []int64
	work := make(chan int64)
	var wg sync.WaitGroup
	for range killSenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				req, _ := http.NewRequest("GET", base+"/api/v1/leads/"+itoa(id), nil)
				req.Header.Set("Authorization", "Bearer "+adminToken)
				resp, err := faultClient.Do(req)
				ok := err == nil && resp.StatusCode == http.StatusOK
				if err == nil {
					resp.Body.Close()
				}
				if !ok {
					mu.Lock()
					missing = append(missing, id)
					mu.Unlock()
				}
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	return missing
}

// enqueueSweep asks the workers for one sweep, as the scheduler does every minute.
func enqueueSweep(t *testing.T, redisURL string) {
	t.Helper()
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := asynq.NewClientFromRedisClient(rdb).EnqueueContext(ctx,
		asynq.NewTask(jobs.TypeSweep, nil, asynq.Queue(jobs.QueueLow))); err != nil {
		t.Fatalf("enqueue sweep: %v", err)
	}
}
