// Package tencentads pulls 腾讯广告 leads (线索) through the Marketing API v3.0 and reports their states
// back with leads_status/update.
//
// Sources: the API reference pages "获取线索列表" (https://developers.e.qq.com/v3.0/docs/api/leads_list/get)
// and "外部线索状态更新" (https://developers.e.qq.com/v3.0/docs/api/leads_status/update), and the models of
// Tencent's official Go SDK generated from them (https://github.com/TencentAd/marketing-api-go-sdk:
// pkg/model/v3/model_leads_list_struct.go, model_outer_leads_status_info_struct.go,
// model_leads_status_update_response_data.go). Sample payloads are in platforms/platformstest/testdata.
package tencentads

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/platforms"
)

// DefaultBaseURL is the Marketing API v3.0 root.
const DefaultBaseURL = "https://api.e.qq.com/v3.0"

// Paths of the two calls.
const (
	PathLeadsList   = "/leads_list/get"
	PathLeadsStatus = "/leads_status/update"
)

// MaxReport is leads_conversion_status_list's documented maximum length ("数组最小长度 1，最大长度 50").
const MaxReport = 50

// maxPageSize is page_size's documented maximum; deepPaging is how deep page paging reaches
// (page × page_size ≤ 5,000 per https://developers.e.qq.com/v3.0/docs/api/leads_list/get; deeper needs
// search-after paging), so a window holding more is split (split.go). Configurable: deep_paging.
const (
	maxPageSize = 200
	deepPaging  = 5000
)

// timeLayout is how leads_create_time is written (GMT+8, "MarketingAPI 所使用的时区为 GMT+8").
const timeLayout = "2006-01-02 15:04:05"

// DefaultStates map Baton's states to leads_convert_type. The four values below are the documented enum;
// the API documents no value for a lost lead (LEADS_CONVERT_STATUS_LOSE_INTENTION appears only in newer
// SDK enums), so lost is not reported unless `states: {lost: …}` names one.
var DefaultStates = map[crm.WriteBackState]string{
	crm.WriteBackInvalid:   "LEADS_CONVERT_STATUS_DEPRECATED",
	crm.WriteBackContacted: "LEADS_CONVERT_STATUS_POTENTIAL_CUSTOMER",
	crm.WriteBackWon:       "LEADS_CONVERT_STATUS_TRANS_COMPLETED",
}

// DefaultReasons map an invalid lead's verdict to leads_ineffect_reason (documented enum values).
var DefaultReasons = map[crm.Quality]string{
	crm.QualityInvalidNumber: "LEADS_INEFFECT_REASON_EMPTY",
	crm.QualityDuplicate:     "LEADS_INEFFECT_REASON_DATA_DUPLICATION",
}

// Config is what the client needs.
type Config struct {
	BaseURL    string
	Tokens     platforms.TokenProvider
	AccountID  int64
	PageSize   int // default and maximum 200
	RetryCodes []int64
	// TokenCodes are the codes that mean the access token expired or is invalid: the call is repeated once
	// with a refreshed token. Default DefaultTokenCodes.
	TokenCodes []int64
	// DeepPaging is how many leads page paging reaches in one window (page × page_size); a window holding
	// more is split. Default 5,000.
	DeepPaging int
	Caller     *platforms.Caller
}

// Client implements crm.LeadPlatform for 腾讯广告.
type Client struct {
	cfg Config

	mu    sync.Mutex
	plans map[[2]int64][]span // split windows by [from, to) in Unix nanoseconds
}

var _ crm.LeadPlatform = (*Client)(nil)

// New returns a client.
func New(cfg Config) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.PageSize <= 0 || cfg.PageSize > maxPageSize {
		cfg.PageSize = maxPageSize
	}
	if cfg.Caller == nil {
		cfg.Caller = platforms.NewCaller(0, 0)
	}
	if cfg.TokenCodes == nil {
		cfg.TokenCodes = DefaultTokenCodes
	}
	if cfg.DeepPaging <= 0 {
		cfg.DeepPaging = deepPaging
	}
	return &Client{cfg: cfg}
}

type envelope[T any] struct {
	Code      int64  `json:"code"`
	Message   string `json:"message"`
	MessageCN string `json:"message_cn"`
	Data      T      `json:"data"`
}

// Lead is one lead of leads_list/get, the fields Baton reads.
type Lead struct {
	AccountID             platforms.FlexString `json:"account_id"`
	LeadsID               platforms.FlexString `json:"leads_id"`
	OuterLeadsID          string               `json:"outer_leads_id"`
	ClickID               string               `json:"click_id"`
	AdgroupID             platforms.FlexString `json:"adgroup_id"`
	AdgroupName           string               `json:"adgroup_name"`
	PageName              string               `json:"page_name"`
	LeadsType             string               `json:"leads_type"`
	LeadsSource           string               `json:"leads_source"`
	LeadsFollowTag        string               `json:"leads_follow_tag"`
	OuterLeadsConvertType string               `json:"outer_leads_convert_type"`
	LeadsName             string               `json:"leads_name"`
	LeadsTelephone        string               `json:"leads_telephone"`
	TelephoneLocation     string               `json:"telephone_location"`
	LeadsArea             string               `json:"leads_area"`
	LeadsEmail            string               `json:"leads_email"`
	LeadsWechat           string               `json:"leads_wechat"`
	LeadsQQ               string               `json:"leads_qq"`
	Address               string               `json:"address"`
	Bundle                string               `json:"bundle"`
	CustomQA              string               `json:"custom_qa"`
	LeadsCreateTime       string               `json:"leads_create_time"`
	LeadsActionTime       string               `json:"leads_action_time"`
	LeadsTags             string               `json:"leads_tags"`
}

type listData struct {
	// The reference lists leads_info as the list of leads; the SDK's model types it as one struct. Both
	// shapes are read.
	LeadsInfo leadList `json:"leads_info"`
	PageInfo  struct {
		Page        int `json:"page"`
		PageSize    int `json:"page_size"`
		TotalNumber int `json:"total_number"`
		TotalPage   int `json:"total_page"`
	} `json:"page_info"`
}

type leadList []Lead

func (l *leadList) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null":
		return nil
	case strings.HasPrefix(s, "{"):
		var one Lead
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*l = leadList{one}
		return nil
	}
	return json.Unmarshal(b, (*[]Lead)(l))
}

type timeRange struct {
	StartTime int64  `json:"start_time"`
	EndTime   int64  `json:"end_time"`
	TimeType  string `json:"time_type"`
}

// Fetch returns one page of the leads stored in [from, to). Leads are listed by their storage time
// (TIME_TYPE_CREATED_TIME, 线索入库时间), which only grows, so an incremental window misses none submitted
// earlier and stored late. A window holding more leads than page paging reaches (DeepPaging) is split
// into shorter windows (split.go); its pages are then numbered across them.
func (c *Client) Fetch(ctx context.Context, from, to time.Time, page int) (*crm.PulledPage, error) {
	if spans := c.cachedPlan(from, to); spans != nil && page > 1 {
		return c.fetchPlanned(ctx, spans, page)
	}
	d, err := c.list(ctx, from, to, page)
	if err != nil {
		return nil, err
	}
	if page == 1 && d.PageInfo.TotalNumber > c.cfg.DeepPaging {
		spans, err := c.plan(ctx, from, to)
		if err != nil {
			return nil, err
		}
		return c.fetchPlanned(ctx, spans, page)
	}
	return toPage(d), nil
}

func toPage(d *listData) *crm.PulledPage {
	out := &crm.PulledPage{Pages: d.PageInfo.TotalPage, Total: d.PageInfo.TotalNumber}
	for _, l := range d.LeadsInfo {
		out.Leads = append(out.Leads, Map(l))
	}
	return out
}

func (c *Client) list(ctx context.Context, from, to time.Time, page int) (*listData, error) {
	tr, _ := json.Marshal(timeRange{StartTime: from.Unix(), EndTime: max(to.Unix()-1, from.Unix()+1), TimeType: "TIME_TYPE_CREATED_TIME"})
	q := url.Values{}
	q.Set("account_id", strconv.FormatInt(c.cfg.AccountID, 10))
	q.Set("time_range", string(tr))
	q.Set("page", strconv.Itoa(page))
	q.Set("page_size", strconv.Itoa(c.cfg.PageSize))
	env, err := call[listData](ctx, c, http.MethodGet, PathLeadsList, q, nil)
	if err != nil {
		return nil, err
	}
	if env.Code != 0 {
		return nil, c.apiError(env.Code, env.Message)
	}
	return &env.Data, nil
}

// call sends one API call. When the platform answers that the access token expired or is invalid (11000,
// 11002), the token is refreshed and the call repeated once.
func call[T any](ctx context.Context, c *Client, method, path string, q url.Values, body any) (*envelope[T], error) {
	var env envelope[T]
	err := platforms.WithToken(ctx, c.cfg.Tokens, c.cfg.TokenCodes, func(tok string) (int64, error) {
		env = envelope[T]{}
		err := c.cfg.Caller.Do(ctx, func(ctx context.Context) (*http.Request, error) {
			return c.request(ctx, tok, method, path, q, body)
		}, &env)
		return env.Code, err
	}, func() error { return c.apiError(env.Code, env.Message) })
	if err != nil {
		return nil, err
	}
	return &env, nil
}

// request adds the global parameters every call carries: access_token, timestamp (seconds) and a nonce
// of at most 32 characters.
func (c *Client) request(ctx context.Context, tok, method, path string, q0 url.Values, body any) (*http.Request, error) {
	q := url.Values{}
	for k, v := range q0 {
		q[k] = v
	}
	q.Set("access_token", tok)
	q.Set("timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	q.Set("nonce", hex.EncodeToString(nonce))
	return platforms.JSONRequest(ctx, method, c.cfg.BaseURL+path+"?"+q.Encode(), body, nil)
}

// Refetch lists the span the leads were stored in again and keeps the asked-for ones: leads_list/get has
// no id filter.
func (c *Client) Refetch(ctx context.Context, refs []crm.PulledRef) ([]crm.PulledLead, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	want := map[string]bool{}
	lo, hi := refs[0].CreatedAt, refs[0].CreatedAt
	for _, r := range refs {
		want[r.ID] = true
		if r.CreatedAt.Before(lo) {
			lo = r.CreatedAt
		}
		if r.CreatedAt.After(hi) {
			hi = r.CreatedAt
		}
	}
	var out []crm.PulledLead
	for page := 1; ; page++ {
		pg, err := c.Fetch(ctx, lo.Add(-time.Second), hi.Add(2*time.Second), page)
		if err != nil {
			return nil, err
		}
		for _, l := range pg.Leads {
			if want[l.ID] {
				out = append(out, l)
			}
		}
		if page >= pg.Pages || len(pg.Leads) == 0 {
			return out, nil
		}
	}
}

// StatusItem is one entry of leads_conversion_status_list.
type StatusItem struct {
	LeadsID             int64  `json:"leads_id"`
	LeadsConvertType    string `json:"leads_convert_type,omitempty"`
	LeadsIneffectReason string `json:"leads_ineffect_reason,omitempty"`
}

// StatusRequest is the body of leads_status/update; Baton matches by the platform's lead id.
type StatusRequest struct {
	AccountID                 int64        `json:"account_id"`
	MatchType                 string       `json:"match_type"`
	LeadsConversionStatusList []StatusItem `json:"leads_conversion_status_list"`
}

type statusData struct {
	FailLeadsList []struct {
		Index int `json:"index"`
	} `json:"fail_leads_list"`
}

// MaxReport is the documented maximum of one leads_status/update call.
func (c *Client) MaxReport() int { return MaxReport }

// Report sends up to 50 states in one call; the leads listed in fail_leads_list (by index) are refused.
func (c *Client) Report(ctx context.Context, items []crm.WriteBack) ([]crm.WriteBackRefusal, error) {
	if len(items) > MaxReport {
		return nil, fmt.Errorf("%d states in one call; at most %d", len(items), MaxReport)
	}
	body := StatusRequest{AccountID: c.cfg.AccountID, MatchType: "LEADSID"}
	var refused []crm.WriteBackRefusal
	var sent []crm.WriteBack
	for _, it := range items {
		id, err := strconv.ParseInt(it.ExternalID, 10, 64)
		if err != nil {
			refused = append(refused, crm.WriteBackRefusal{EventID: it.EventID, Message: "leads_id is not a number"})
			continue
		}
		si := StatusItem{LeadsID: id, LeadsConvertType: it.Code}
		if it.State == crm.WriteBackInvalid {
			si.LeadsIneffectReason = it.Reason
		}
		body.LeadsConversionStatusList = append(body.LeadsConversionStatusList, si)
		sent = append(sent, it)
	}
	if len(sent) == 0 {
		return refused, nil
	}
	env, err := call[statusData](ctx, c, http.MethodPost, PathLeadsStatus, nil, body)
	if err != nil {
		return refused, err
	}
	if env.Code != 0 {
		return refused, c.apiError(env.Code, env.Message)
	}
	for _, f := range env.Data.FailLeadsList {
		if f.Index >= 0 && f.Index < len(sent) {
			refused = append(refused, crm.WriteBackRefusal{EventID: sent[f.Index].EventID, Message: "listed in fail_leads_list"})
		}
	}
	return refused, nil
}

// apiError classifies a non-zero code; which codes mean "try again later" is configured (retry_codes).
func (c *Client) apiError(code int64, msg string) *platforms.APIError {
	return &platforms.APIError{Code: code, Message: msg, Temp: slices.Contains(c.cfg.RetryCodes, code)}
}

// Map turns a lead into Baton's lead fields; everything else is kept under attributes.
func Map(l Lead) crm.PulledLead {
	p := crm.PulledLead{ID: string(l.LeadsID)}
	if p.ID == "" || p.ID == "0" {
		p.ID = ""
		p.Problems = append(p.Problems, "leads_id is missing")
	}
	if t, err := time.ParseInLocation(timeLayout, l.LeadsCreateTime, platforms.ChinaTime); err == nil {
		p.CreatedAt = t
	} else {
		p.Problems = append(p.Problems, fmt.Sprintf("leads_create_time %q is not a time", l.LeadsCreateTime))
	}
	region := l.LeadsArea
	if region == "" {
		region = l.TelephoneLocation
	}
	p.Input = crm.LeadInput{Name: l.LeadsName, Phone: l.LeadsTelephone, Email: l.LeadsEmail,
		Campaign: crm.Truncate(l.AdgroupName, 128), Region: crm.Truncate(region, 100)}
	attrs := map[string]any{}
	for k, v := range map[string]string{"account_id": string(l.AccountID), "adgroup_id": string(l.AdgroupID),
		"page_name": l.PageName, "leads_type": l.LeadsType, "leads_source": l.LeadsSource, "click_id": l.ClickID,
		"wechat": l.LeadsWechat, "qq": l.LeadsQQ, "address": l.Address, "bundle": l.Bundle, "custom_qa": l.CustomQA,
		"leads_tags": l.LeadsTags} {
		if v != "" && v != "0" {
			attrs[k] = v
		}
	}
	p.Late = map[string]string{}
	for k, v := range map[string]string{"leads_follow_tag": l.LeadsFollowTag, "outer_leads_convert_type": l.OuterLeadsConvertType} {
		if v != "" && v != "LEADS_FOLLOW_TAG_DEFAULT" {
			p.Late[k] = v
			attrs[k] = v
		}
	}
	if len(attrs) > 0 {
		p.Input.Attributes = attrs
	}
	return p
}
