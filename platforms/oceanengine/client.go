// Package oceanengine pulls 巨量引擎 飞鱼 clues (线索) and reports their conversion states back.
//
// API shapes follow Ocean Engine's official Go SDK, generated from the Marketing API specification
// (https://github.com/oceanengine/ad_open_sdk_go: api/api_tools_clue_get_v2.go,
// api/api_tools_clue_callback_v2.go and their models), and the field notes of the documentation pages
// "获取线索列表" and "回传有效线索" as quoted by the community SDK
// (https://github.com/bububa/oceanengine: marketing-api/model/tools/clue). The pages on
// open.oceanengine.com need a developer login. Sample payloads are in platforms/platformstest/testdata,
// with what is not public listed in its README.
package oceanengine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/platforms"
)

// DefaultBaseURL is the Marketing API root.
const DefaultBaseURL = "https://api.oceanengine.com"

// Paths of the two calls.
const (
	PathClueGet      = "/open_api/2/tools/clue/get/"
	PathClueCallback = "/open_api/2/tools/clue/callback/"
)

// timeLayout is how the clue API writes and reads times ("yyyy-MM-dd hh:mm:ss", GMT+8).
const timeLayout = "2006-01-02 15:04:05"

// LateFields are the fields the documentation says arrive about 10 minutes after the clue ("拉取到线索后，
// intention_estimation / app_name / convert_status 的获取会有约 10 分钟延迟；建议 10 分钟后重新拉取").
var LateFields = []string{"intention_estimation", "convert_status", "app_name"}

// RepullAfter is the documented delay of the late fields, with a margin.
const RepullAfter = 15 * time.Minute

// DefaultStates are the documented clue_convert_state values of the callback: 194 回访-信息确认 (contacted),
// 196 回访-高潜成交 (won). The documentation publishes no state for invalid or lost leads: configure
// `states:` with the codes your account manager gives you; until then those states are not reported.
var DefaultStates = map[crm.WriteBackState]string{crm.WriteBackContacted: "194", crm.WriteBackWon: "196"}

// DefaultReasons are the callback's documented event_data.reason_code values for an invalid lead.
var DefaultReasons = map[crm.Quality]string{crm.QualityInvalidNumber: "INVALID_NUMBER", crm.QualityDuplicate: "OTHER"}

// Config is what the client needs.
type Config struct {
	BaseURL       string
	Tokens        platforms.TokenProvider
	AdvertiserIDs []int64
	PageSize      int // default 100
	RetryCodes    []int64
	// TokenCodes are the codes that mean the access token expired or is invalid: the call is repeated once
	// with a refreshed token. Default DefaultTokenCodes.
	TokenCodes []int64
	Caller     *platforms.Caller
}

// Client implements crm.LeadPlatform for 飞鱼.
type Client struct{ cfg Config }

var _ crm.LeadPlatform = (*Client)(nil)

// New returns a client.
func New(cfg Config) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	if cfg.Caller == nil {
		cfg.Caller = platforms.NewCaller(0, 0)
	}
	if cfg.TokenCodes == nil {
		cfg.TokenCodes = DefaultTokenCodes
	}
	return &Client{cfg: cfg}
}

// envelope is every answer's frame.
type envelope[T any] struct {
	Code      int64  `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	Data      T      `json:"data"`
}

// Clue is one clue of the list, the fields Baton reads.
type Clue struct {
	ClueID              platforms.FlexString `json:"clue_id"`
	AdvertiserID        platforms.FlexString `json:"advertiser_id"`
	AdID                platforms.FlexString `json:"ad_id"`
	AdName              string               `json:"ad_name"`
	PromotionID         platforms.FlexString `json:"promotion_id"`
	PromotionName       string               `json:"promotion_name"`
	SiteName            string               `json:"site_name"`
	ModuleName          string               `json:"module_name"`
	ClueType            platforms.FlexString `json:"clue_type"`
	CreateTimeDetail    string               `json:"create_time_detail"`
	Name                string               `json:"name"`
	Telephone           string               `json:"telephone"`
	Email               string               `json:"email"`
	Weixin              string               `json:"weixin"`
	ProvinceName        string               `json:"province_name"`
	CityName            string               `json:"city_name"`
	Remark              string               `json:"remark"`
	RemarkDict          map[string]any       `json:"remark_dict"`
	IntentionEstimation string               `json:"intention_estimation"`
	ConvertStatus       string               `json:"convert_status"`
	AppName             string               `json:"app_name"`
	ClueStateName       string               `json:"clue_state_name"`
	Extra               map[string]string    `json:"-"`
}

type listData struct {
	List     []Clue `json:"list"`
	PageInfo struct {
		Page        int `json:"page"`
		PageSize    int `json:"page_size"`
		TotalNumber int `json:"total_number"`
		TotalPage   int `json:"total_page"`
	} `json:"page_info"`
}

// Fetch returns one page of the clues created in [from, to).
func (c *Client) Fetch(ctx context.Context, from, to time.Time, page int) (*crm.PulledPage, error) {
	q := url.Values{}
	q.Set("start_time", from.In(platforms.ChinaTime).Format(timeLayout))
	q.Set("end_time", to.In(platforms.ChinaTime).Format(timeLayout))
	q.Set("page", strconv.Itoa(page))
	q.Set("page_size", strconv.Itoa(c.cfg.PageSize))
	d, err := c.list(ctx, q)
	if err != nil {
		return nil, err
	}
	out := &crm.PulledPage{Pages: d.PageInfo.TotalPage, Total: d.PageInfo.TotalNumber}
	for _, cl := range d.List {
		// The API's end_time is inclusive: keep the window half-open so a lead is never counted in two.
		l := Map(cl)
		if !l.CreatedAt.IsZero() && !l.CreatedAt.Before(to) {
			continue
		}
		out.Leads = append(out.Leads, l)
	}
	return out, nil
}

// Refetch asks for the given clues by id (the list call's clue_ids filter).
func (c *Client) Refetch(ctx context.Context, refs []crm.PulledRef) ([]crm.PulledLead, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(refs))
	lo, hi := refs[0].CreatedAt, refs[0].CreatedAt
	for _, r := range refs {
		id, err := strconv.ParseInt(r.ID, 10, 64)
		if err != nil {
			continue
		}
		ids = append(ids, id)
		lo, hi = minT(lo, r.CreatedAt), maxT(hi, r.CreatedAt)
	}
	b, _ := json.Marshal(ids)
	q := url.Values{}
	q.Set("clue_ids", string(b))
	q.Set("start_time", lo.Add(-time.Hour).In(platforms.ChinaTime).Format(timeLayout))
	q.Set("end_time", hi.Add(time.Hour).In(platforms.ChinaTime).Format(timeLayout))
	q.Set("page", "1")
	q.Set("page_size", strconv.Itoa(max(len(ids), 1)))
	d, err := c.list(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]crm.PulledLead, 0, len(d.List))
	for _, cl := range d.List {
		out = append(out, Map(cl))
	}
	return out, nil
}

func (c *Client) list(ctx context.Context, q url.Values) (*listData, error) {
	ids, _ := json.Marshal(c.cfg.AdvertiserIDs)
	q.Set("advertiser_ids", string(ids))
	env, err := call[listData](ctx, c, http.MethodGet, PathClueGet+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	if env.Code != 0 {
		return nil, c.apiError(env.Code, env.Message)
	}
	return &env.Data, nil
}

// call sends one API call with the access token in the Access-Token header. When the platform answers
// that the token expired or is invalid, the token is refreshed and the call repeated once.
func call[T any](ctx context.Context, c *Client, method, path string, body any) (*envelope[T], error) {
	var env envelope[T]
	err := platforms.WithToken(ctx, c.cfg.Tokens, c.cfg.TokenCodes, func(tok string) (int64, error) {
		env = envelope[T]{}
		err := c.cfg.Caller.Do(ctx, func(ctx context.Context) (*http.Request, error) {
			return platforms.JSONRequest(ctx, method, c.cfg.BaseURL+path, body, http.Header{"Access-Token": {tok}})
		}, &env)
		return env.Code, err
	}, func() error { return c.apiError(env.Code, env.Message) })
	if err != nil {
		return nil, err
	}
	return &env, nil
}

// CallbackRequest is the body of the clue callback.
type CallbackRequest struct {
	AdvertiserIDs    []int64    `json:"advertiser_ids"`
	ClueID           string     `json:"clue_id"`
	ClueConvertState int64      `json:"clue_convert_state"`
	Source           int        `json:"source"`
	EventData        *EventData `json:"event_data,omitempty"`
}

// EventData carries the reason of an invalid lead and the amount of a won one.
type EventData struct {
	ReasonCode    string `json:"reason_code,omitempty"`
	DealSubAmount int64  `json:"deal_sub_amount,omitempty"`
}

// MaxReport is 1: the callback takes one clue_id per call.
func (c *Client) MaxReport() int { return 1 }

// Report sends each item's state through the clue callback.
func (c *Client) Report(ctx context.Context, items []crm.WriteBack) ([]crm.WriteBackRefusal, error) {
	var refused []crm.WriteBackRefusal
	for _, it := range items {
		state, err := strconv.ParseInt(it.Code, 10, 64)
		if err != nil {
			refused = append(refused, crm.WriteBackRefusal{EventID: it.EventID, Message: "state code " + it.Code + " is not a number"})
			continue
		}
		body := CallbackRequest{AdvertiserIDs: c.cfg.AdvertiserIDs, ClueID: it.ExternalID, ClueConvertState: state,
			// "新版深度转化 source 为 1": the only value the callback still accepts.
			Source: 1}
		if it.Reason != "" || it.Value > 0 {
			// deal_sub_amount is in yuan; Baton keeps cents.
			body.EventData = &EventData{ReasonCode: it.Reason, DealSubAmount: it.Value / 100}
		}
		env, err := call[json.RawMessage](ctx, c, http.MethodPost, PathClueCallback, body)
		if err != nil {
			return refused, err
		}
		if env.Code != 0 {
			if e := c.apiError(env.Code, env.Message); e.Temp {
				return refused, e
			}
			refused = append(refused, crm.WriteBackRefusal{EventID: it.EventID, Message: fmt.Sprintf("%d %s", env.Code, env.Message)})
		}
	}
	return refused, nil
}

// apiError classifies a non-zero code: the platform's code table is not public, so the codes that mean
// "try again later" are configured (retry_codes); every other code is final.
func (c *Client) apiError(code int64, msg string) *platforms.APIError {
	return &platforms.APIError{Code: code, Message: msg, Temp: slices.Contains(c.cfg.RetryCodes, code)}
}

// pending reports a late field the platform has not filled yet ("数据获取中" is convert_status's placeholder).
func pending(v string) bool { return v == "" || v == "数据获取中" }

// Map turns a clue into Baton's lead fields. Everything that is not a lead field is kept under attributes.
func Map(cl Clue) crm.PulledLead {
	l := crm.PulledLead{ID: string(cl.ClueID)}
	if l.ID == "" || l.ID == "0" {
		l.ID = ""
		l.Problems = append(l.Problems, "clue_id is missing")
	}
	if t, err := time.ParseInLocation(timeLayout, cl.CreateTimeDetail, platforms.ChinaTime); err == nil {
		l.CreatedAt = t
	} else {
		l.Problems = append(l.Problems, fmt.Sprintf("create_time_detail %q is not a time", cl.CreateTimeDetail))
	}
	campaign := cl.PromotionName
	if campaign == "" {
		campaign = cl.AdName
	}
	l.Input = crm.LeadInput{
		Name: cl.Name, Phone: cl.Telephone, Email: cl.Email, Campaign: crm.Truncate(campaign, 128),
		Region: strings.TrimSpace(cl.ProvinceName + " " + cl.CityName), Note: cl.Remark,
	}
	attrs := map[string]any{}
	for k, v := range map[string]string{"advertiser_id": string(cl.AdvertiserID), "ad_id": string(cl.AdID),
		"promotion_id": string(cl.PromotionID), "site_name": cl.SiteName, "module_name": cl.ModuleName,
		"clue_type": string(cl.ClueType), "weixin": cl.Weixin, "clue_state_name": cl.ClueStateName} {
		if v != "" && v != "0" {
			attrs[k] = v
		}
	}
	if len(cl.RemarkDict) > 0 {
		attrs["remark_dict"] = cl.RemarkDict
	}
	l.Late = map[string]string{}
	for k, v := range map[string]string{"intention_estimation": cl.IntentionEstimation, "convert_status": cl.ConvertStatus, "app_name": cl.AppName} {
		if !pending(v) {
			l.Late[k] = v
			attrs[k] = v
		}
	}
	if len(attrs) > 0 {
		l.Input.Attributes = attrs
	}
	return l
}

func minT(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func maxT(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
