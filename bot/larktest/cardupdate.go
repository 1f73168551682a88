package larktest

import (
	"encoding/json"
	"time"
)

// Delayed-update tokens from card callbacks live 30 minutes and can be used twice.
const (
	cardTokenTTL  = 30 * time.Minute
	cardTokenUses = 2
)

type cardToken struct {
	msgID     string
	issued    time.Time
	uses      int
	responded bool // the callback that carried the token has been answered
}

func (s *Server) handleCardUpdate(a *apiReq) reply {
	var b struct {
		Token string          `json:"token"`
		Card  json.RawMessage `json:"card"`
	}
	if err := a.decode(&b); err != nil || b.Token == "" {
		return bad(CodeFieldValidation, "token and card are required")
	}
	tok := s.st.cardTokens[b.Token]
	switch {
	case tok == nil:
		return bad(CodeFieldValidation, "invalid card token")
	case s.st.now().Sub(tok.issued) > cardTokenTTL:
		return bad(CodeFieldValidation, "card token expired (valid 30 minutes)")
	case tok.uses >= cardTokenUses:
		return bad(CodeFieldValidation, "card token already used twice")
	case !tok.responded:
		// Lark says an update racing the callback response fails or is reverted; failing loudly surfaces it.
		return bad(CodeFieldValidation, "card token used before the callback was answered")
	}
	m := s.st.msgs[tok.msgID]
	a.call.MessageID, a.call.ChatID = m.ID, m.ChatID
	var card map[string]any
	if err := json.Unmarshal(b.Card, &card); err != nil || card == nil {
		return bad(CodeFieldValidation, "card must be a JSON object, not a string")
	}
	if card["schema"] != "2.0" {
		if _, has := card["open_ids"]; !has {
			return bad(CodeCardOpenIDEmpty, "openid empty")
		}
	}
	if len(a.body) > cardLimitBytes {
		return bad(CodeContentTooLong, "card is too long: the request body is limited to 30 KB")
	}
	if err := checkCard(card, false); err != nil {
		return bad(CodeCardInvalid, cardInvalid(err))
	}
	if rep, admitted := s.targetLimitLocked("msg:" + m.ID); !admitted {
		return rep
	}
	tok.uses++
	s.updateCardLocked(m, string(b.Card))
	return ok(nil)
}
