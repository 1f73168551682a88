package platformstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
)

// OceanClue is a clue as the fake serves it: the documented fields of the clue list
// (testdata/oceanengine_clue_get_response.json).
type OceanClue struct {
	ClueID              string `json:"clue_id"`
	AdvertiserID        string `json:"advertiser_id"`
	AdName              string `json:"ad_name,omitempty"`
	PromotionName       string `json:"promotion_name,omitempty"`
	CreateTimeDetail    string `json:"create_time_detail"`
	Name                string `json:"name"`
	Telephone           string `json:"telephone"`
	Email               string `json:"email,omitempty"`
	ProvinceName        string `json:"province_name,omitempty"`
	CityName            string `json:"city_name,omitempty"`
	Remark              string `json:"remark,omitempty"`
	IntentionEstimation string `json:"intention_estimation"`
	ConvertStatus       string `json:"convert_status"`
	AppName             string `json:"app_name"`
}

// OceanCallback is one clue callback the fake accepted (testdata/oceanengine_clue_callback_request.json).
type OceanCallback struct {
	AdvertiserIDs    []int64 `json:"advertiser_ids"`
	ClueID           string  `json:"clue_id"`
	ClueConvertState int64   `json:"clue_convert_state"`
	Source           int     `json:"source"`
	EventData        *struct {
		ReasonCode    string `json:"reason_code"`
		DealSubAmount int64  `json:"deal_sub_amount"`
	} `json:"event_data"`
}

// OceanEngine is a fake of the 飞鱼 clue API.
type OceanEngine struct {
	*httptest.Server
	Advertiser int64
	// Tokens drives the OAuth state: token expiry and the refresh call.
	Tokens TokenControl

	mu        sync.Mutex
	clues     []OceanClue
	callbacks []OceanCallback
	fail      int // answer the next fail calls with HTTP 503
	listCalls []map[string]string
}

// oceanTime is how the API writes times: "yyyy-MM-dd hh:mm:ss" in GMT+8.
const oceanTime = "2006-01-02 15:04:05"

var gmt8 = time.FixedZone("GMT+8", 8*60*60)

// NewOceanEngine starts the fake; close it with Close.
func NewOceanEngine(token string, advertiser int64) *OceanEngine {
	f := &OceanEngine{Advertiser: advertiser, Tokens: TokenControl{newTokenBook(token)}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /open_api/oauth2/refresh_token/", f.refreshToken)
	mux.HandleFunc("GET /open_api/2/tools/clue/get/", f.list)
	mux.HandleFunc("POST /open_api/2/tools/clue/callback/", f.callback)
	f.Server = httptest.NewServer(mux)
	return f
}

// OceanTime formats t as the API does.
func OceanTime(t time.Time) string { return t.In(gmt8).Format(oceanTime) }

// Add stores clues.
func (f *OceanEngine) Add(c ...OceanClue) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clues = append(f.clues, c...)
}

// Fill sets the late fields of a clue, as the platform does about ten minutes after it arrives.
func (f *OceanEngine) Fill(id, intention, convert string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.clues {
		if f.clues[i].ClueID == id {
			f.clues[i].IntentionEstimation, f.clues[i].ConvertStatus = intention, convert
		}
	}
}

// FailNext makes the next n calls answer HTTP 503.
func (f *OceanEngine) FailNext(n int) {
	f.mu.Lock()
	f.fail = n
	f.mu.Unlock()
}

// Callbacks returns the callbacks accepted so far.
func (f *OceanEngine) Callbacks() []OceanCallback {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.callbacks)
}

// ListCalls returns the query of every list call served.
func (f *OceanEngine) ListCalls() []map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.listCalls)
}

func (f *OceanEngine) gate(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	failing := f.fail > 0
	if failing {
		f.fail--
	}
	f.mu.Unlock()
	if failing {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return false
	}
	// The token codes are not public (see testdata/README.md); these are the defaults Baton assumes.
	switch f.Tokens.b.check(r.Header.Get("Access-Token")) {
	case "expired":
		writeJSON(w, map[string]any{"code": 40102, "message": "access_token 已过期", "request_id": "fake"})
		return false
	case "invalid":
		writeJSON(w, map[string]any{"code": 40105, "message": "access_token 无效", "request_id": "fake"})
		return false
	}
	return true
}

// refreshToken is POST /open_api/oauth2/refresh_token/: a JSON body of app_id, secret, refresh_token
// (testdata/oceanengine_refresh_token_request.json), answered with the new pair
// (testdata/oceanengine_refresh_token_response.json).
func (f *OceanEngine) refreshToken(w http.ResponseWriter, r *http.Request) {
	var body struct {
		AppID        int64  `json:"app_id"`
		Secret       string `json:"secret"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, map[string]any{"code": 40002, "message": "参数错误", "request_id": "fake"})
		return
	}
	access, refresh, ttl, code, msg := f.Tokens.b.spend(body.AppID, body.Secret, body.RefreshToken)
	if code != 0 {
		writeJSON(w, map[string]any{"code": code, "message": msg, "request_id": "fake"})
		return
	}
	writeJSON(w, map[string]any{"code": 0, "message": "OK", "request_id": "fake", "data": map[string]any{
		"access_token": access, "expires_in": ttl, "refresh_token": refresh, "refresh_token_expires_in": 2592000}})
}

func (f *OceanEngine) list(w http.ResponseWriter, r *http.Request) {
	if !f.gate(w, r) {
		return
	}
	q := r.URL.Query()
	call := map[string]string{}
	for k := range q {
		call[k] = q.Get(k)
	}
	var advs []int64
	if json.Unmarshal([]byte(q.Get("advertiser_ids")), &advs) != nil || !slices.Contains(advs, f.Advertiser) {
		writeJSON(w, map[string]any{"code": 40002, "message": "advertiser_ids 参数错误", "request_id": "fake"})
		return
	}
	from, err1 := time.ParseInLocation(oceanTime, q.Get("start_time"), gmt8)
	to, err2 := time.ParseInLocation(oceanTime, q.Get("end_time"), gmt8)
	if err1 != nil || err2 != nil {
		writeJSON(w, map[string]any{"code": 40002, "message": "start_time/end_time 格式错误", "request_id": "fake"})
		return
	}
	var ids []int64
	if s := q.Get("clue_ids"); s != "" {
		_ = json.Unmarshal([]byte(s), &ids)
	}
	page, _ := strconv.Atoi(q.Get("page"))
	size, _ := strconv.Atoi(q.Get("page_size"))
	page, size = max(page, 1), max(size, 1)
	f.mu.Lock()
	f.listCalls = append(f.listCalls, call)
	var match []OceanClue
	for _, c := range f.clues {
		t, _ := time.ParseInLocation(oceanTime, c.CreateTimeDetail, gmt8)
		if t.Before(from) || t.After(to) { // both ends inclusive
			continue
		}
		if id, _ := strconv.ParseInt(c.ClueID, 10, 64); len(ids) > 0 && !slices.Contains(ids, id) {
			continue
		}
		match = append(match, c)
	}
	f.mu.Unlock()
	sort.SliceStable(match, func(i, j int) bool { return match[i].CreateTimeDetail > match[j].CreateTimeDetail })
	total := len(match)
	lo, hi := min((page-1)*size, total), min(page*size, total)
	writeJSON(w, map[string]any{"code": 0, "message": "OK", "request_id": "fake", "data": map[string]any{
		"list":      match[lo:hi],
		"page_info": map[string]int{"page": page, "page_size": size, "total_number": total, "total_page": (total + size - 1) / size},
	}})
}

func (f *OceanEngine) callback(w http.ResponseWriter, r *http.Request) {
	if !f.gate(w, r) {
		return
	}
	var cb OceanCallback
	if err := json.NewDecoder(r.Body).Decode(&cb); err != nil || cb.ClueID == "" || cb.ClueConvertState == 0 || len(cb.AdvertiserIDs) == 0 {
		writeJSON(w, map[string]any{"code": 40002, "message": "参数错误", "request_id": "fake"})
		return
	}
	f.mu.Lock()
	known := slices.ContainsFunc(f.clues, func(c OceanClue) bool { return c.ClueID == cb.ClueID })
	if known {
		f.callbacks = append(f.callbacks, cb)
	}
	f.mu.Unlock()
	if !known {
		writeJSON(w, map[string]any{"code": 40003, "message": "线索不存在", "request_id": "fake"})
		return
	}
	writeJSON(w, map[string]any{"code": 0, "message": "OK", "request_id": "fake", "data": map[string]any{}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
