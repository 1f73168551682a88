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

// TencentLead is a lead as the fake serves it: the documented fields of leads_list/get
// (testdata/tencentads_leads_list_get_response.json).
type TencentLead struct {
	AccountID       int64  `json:"account_id"`
	LeadsID         int64  `json:"leads_id"`
	AdgroupName     string `json:"adgroup_name,omitempty"`
	LeadsName       string `json:"leads_name"`
	LeadsTelephone  string `json:"leads_telephone"`
	LeadsArea       string `json:"leads_area,omitempty"`
	LeadsFollowTag  string `json:"leads_follow_tag,omitempty"`
	LeadsCreateTime string `json:"leads_create_time"`
	LeadsActionTime string `json:"leads_action_time,omitempty"`
}

// TencentStatus is one entry of leads_status/update the fake accepted.
type TencentStatus struct {
	LeadsID             int64  `json:"leads_id"`
	LeadsConvertType    string `json:"leads_convert_type"`
	LeadsIneffectReason string `json:"leads_ineffect_reason"`
}

// TencentAds is a fake of the Marketing API v3.0 leads calls.
type TencentAds struct {
	*httptest.Server
	Account int64
	// Tokens drives the OAuth state: token expiry and the refresh call.
	Tokens TokenControl
	// DeepPaging, when set, is the most leads page paging reaches in one window (page × page_size): a
	// deeper page is refused, as leads_list/get refuses pages past 5,000 leads. Tests set a small value.
	DeepPaging int

	mu      sync.Mutex
	leads   []TencentLead
	updates [][]TencentStatus // one entry per accepted call
	fail    int
}

// NewTencentAds starts the fake; close it with Close.
func NewTencentAds(token string, account int64) *TencentAds {
	f := &TencentAds{Account: account, Tokens: TokenControl{newTokenBook(token)}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth/token", f.token)
	mux.HandleFunc("GET /leads_list/get", f.list)
	mux.HandleFunc("POST /leads_status/update", f.update)
	f.Server = httptest.NewServer(mux)
	return f
}

// TencentTime formats t as leads_create_time is written (GMT+8).
func TencentTime(t time.Time) string { return t.In(gmt8).Format(oceanTime) }

// Add stores leads.
func (f *TencentAds) Add(l ...TencentLead) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.leads = append(f.leads, l...)
}

// FailNext makes the next n calls answer HTTP 503.
func (f *TencentAds) FailNext(n int) {
	f.mu.Lock()
	f.fail = n
	f.mu.Unlock()
}

// Updates returns the accepted leads_status/update calls, one slice per call.
func (f *TencentAds) Updates() [][]TencentStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.updates)
}

// gate checks the global parameters every call carries (access_token, a timestamp within 300 s of the
// fake's clock, a nonce of at most 32 characters) and plays the injected failures.
func (f *TencentAds) gate(w http.ResponseWriter, r *http.Request) bool {
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
	q := r.URL.Query()
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	state := f.Tokens.b.check(q.Get("access_token"))
	switch {
	case state == "expired": // documented codes: https://developers.e.qq.com/v3.0/docs/errors
		writeJSON(w, map[string]any{"code": 11000, "message": "Access token is expired."})
	case state == "invalid":
		writeJSON(w, map[string]any{"code": 11002, "message": "Access token is invalid."})
	case err != nil || time.Since(time.Unix(ts, 0)).Abs() > 300*time.Second:
		writeJSON(w, map[string]any{"code": 11001, "message": "timestamp is invalid"})
	case q.Get("nonce") == "" || len(q.Get("nonce")) > 32:
		writeJSON(w, map[string]any{"code": 11002, "message": "nonce is invalid"})
	default:
		return true
	}
	return false
}

func (f *TencentAds) list(w http.ResponseWriter, r *http.Request) {
	if !f.gate(w, r) {
		return
	}
	q := r.URL.Query()
	var tr struct {
		StartTime int64  `json:"start_time"`
		EndTime   int64  `json:"end_time"`
		TimeType  string `json:"time_type"`
	}
	if q.Get("account_id") != strconv.FormatInt(f.Account, 10) || json.Unmarshal([]byte(q.Get("time_range")), &tr) != nil ||
		tr.EndTime <= tr.StartTime || tr.TimeType != "TIME_TYPE_CREATED_TIME" {
		writeJSON(w, map[string]any{"code": 10001, "message": "invalid parameter"})
		return
	}
	page, _ := strconv.Atoi(q.Get("page"))
	size, _ := strconv.Atoi(q.Get("page_size"))
	if page < 1 || page > 1000 || size < 1 || size > 200 {
		writeJSON(w, map[string]any{"code": 10001, "message": "page or page_size out of range"})
		return
	}
	if f.DeepPaging > 0 && page*size > f.DeepPaging {
		writeJSON(w, map[string]any{"code": 10001, "message": "page * page_size exceeds the paging limit"})
		return
	}
	f.mu.Lock()
	var match []TencentLead
	for _, l := range f.leads {
		t, _ := time.ParseInLocation(oceanTime, l.LeadsCreateTime, gmt8)
		if t.Unix() >= tr.StartTime && t.Unix() <= tr.EndTime {
			match = append(match, l)
		}
	}
	f.mu.Unlock()
	// Documented order for TIME_TYPE_CREATED_TIME: leads_create_time + leads_id, descending.
	sort.SliceStable(match, func(i, j int) bool {
		if match[i].LeadsCreateTime != match[j].LeadsCreateTime {
			return match[i].LeadsCreateTime > match[j].LeadsCreateTime
		}
		return match[i].LeadsID > match[j].LeadsID
	})
	total := len(match)
	lo, hi := min((page-1)*size, total), min(page*size, total)
	writeJSON(w, map[string]any{"code": 0, "message": "", "message_cn": "", "data": map[string]any{
		"leads_info": match[lo:hi],
		"page_info":  map[string]int{"page": page, "page_size": size, "total_number": total, "total_page": (total + size - 1) / size},
	}})
}

func (f *TencentAds) update(w http.ResponseWriter, r *http.Request) {
	if !f.gate(w, r) {
		return
	}
	var body struct {
		AccountID int64           `json:"account_id"`
		MatchType string          `json:"match_type"`
		List      []TencentStatus `json:"leads_conversion_status_list"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.AccountID != f.Account || body.MatchType != "LEADSID" ||
		len(body.List) < 1 || len(body.List) > 50 {
		writeJSON(w, map[string]any{"code": 10001, "message": "invalid parameter"})
		return
	}
	f.mu.Lock()
	var fails []map[string]int
	for i, s := range body.List {
		if !slices.ContainsFunc(f.leads, func(l TencentLead) bool { return l.LeadsID == s.LeadsID }) {
			fails = append(fails, map[string]int{"index": i})
		}
	}
	f.updates = append(f.updates, body.List)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"code": 0, "message": "", "message_cn": "", "data": map[string]any{"fail_leads_list": fails}})
}

// token is GET /oauth/token with grant_type=refresh_token (https://developers.e.qq.com/v3.0/docs/api/oauth/token,
// testdata/tencentads_oauth_token_response.json): no global parameters; the answer carries the new access
// token and the lifetimes, and the refresh token stays the same.
func (f *TencentAds) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, _ := strconv.ParseInt(q.Get("client_id"), 10, 64)
	if q.Get("grant_type") != "refresh_token" {
		writeJSON(w, map[string]any{"code": 11004, "message": "grant_type is invalid"})
		return
	}
	b := f.Tokens.b
	b.mu.Lock()
	keep := b.refresh
	b.mu.Unlock()
	access, _, ttl, code, msg := b.spend(id, q.Get("client_secret"), q.Get("refresh_token"))
	if code != 0 {
		writeJSON(w, map[string]any{"code": code, "message": msg, "message_cn": msg})
		return
	}
	b.mu.Lock()
	b.refresh = keep
	b.mu.Unlock()
	writeJSON(w, map[string]any{"code": 0, "message": "", "message_cn": "", "data": map[string]any{
		"access_token": access, "access_token_expires_in": ttl, "refresh_token_expires_in": 2592000}})
}
