package larktest

import (
	"net/http"
	"sync"
	"time"
)

// issuedTokens holds every tenant token issued by any Server in this process. The SDK caches tokens in a
// process-global map keyed by app id only, so a second emulator for the same app receives the first one's
// token; accepting it (for the same app id, until it expires) keeps auth strict without fighting the SDK.
var issuedTokens sync.Map // token → issuedToken

type issuedToken struct {
	appID string
	exp   time.Time
}

// tokenRenewWindow mirrors Lark: while more than 30 minutes remain the endpoint returns the same token.
const tokenRenewWindow = 30 * time.Minute

func (s *Server) handleToken(a *apiReq) reply {
	var req struct {
		AppID     string `json:"app_id"`
		AppSecret string `json:"app_secret"`
	}
	if err := a.decode(&req); err != nil || req.AppID == "" || req.AppSecret == "" {
		return bad(CodeTokenBadRequest, "app_id and app_secret are required")
	}
	if req.AppID != s.cfg.AppID {
		return bad(CodeAppNotExist, "app id not exists")
	}
	if req.AppSecret != s.cfg.AppSecret {
		return bad(CodeAppSecretInvalid, "app secret invalid")
	}
	st := &s.st
	now := st.now()
	if st.curToken == "" || s.cfg.TokenExpire <= tokenRenewWindow || st.curTokenExp.Sub(now) < tokenRenewWindow {
		st.curToken = newTenantToken()
		st.curTokenExp = now.Add(s.cfg.TokenExpire)
		st.tokens[st.curToken] = st.curTokenExp
		issuedTokens.Store(st.curToken, issuedToken{appID: s.cfg.AppID, exp: st.curTokenExp})
	}
	return reply{status: http.StatusOK, raw: map[string]any{
		"code":                0,
		"msg":                 "ok",
		"tenant_access_token": st.curToken,
		"expire":              int(st.curTokenExp.Sub(now) / time.Second),
	}}
}

func (s *Server) authorizedLocked(r *http.Request) bool {
	tok := bearer(r)
	if tok == "" {
		return false
	}
	now := s.st.now()
	if exp, ok := s.st.tokens[tok]; ok {
		return now.Before(exp)
	}
	v, ok := issuedTokens.Load(tok)
	if !ok {
		return false
	}
	it := v.(issuedToken)
	return it.appID == s.cfg.AppID && now.Before(it.exp)
}

// RevokeTokens invalidates every token this server issued, as a secret rotation would. The SDK keeps sending
// its cached token (it retries once, with the same token), which is exactly what the bot must survive.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok := range s.st.tokens {
		issuedTokens.Delete(tok)
	}
	clear(s.st.tokens)
	s.st.curToken = ""
	s.changedLocked()
}
