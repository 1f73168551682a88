package larktest

import (
	"encoding/json"
	"slices"
	"time"
)

// state is everything the emulator remembers; Server.mu guards it.
type state struct {
	now     func() time.Time
	latency time.Duration

	curToken    string
	curTokenExp time.Time
	tokens      map[string]time.Time // tenant tokens this server issued → expiry

	users    []string // open_ids in insertion order
	userByID map[string]*User
	chats    []string // chat ids in insertion order
	chatByID map[string]*chatState
	p2p      map[string]string // open_id → DM chat id

	msgs   map[string]*message
	uuids  map[string]uuidEntry
	urgent map[string]int // open_id → unread urgent messages

	calls       []Call
	rl          limiter
	enforce     bool
	faults      map[string]*fault
	rateLimited int

	webhook    string
	sent       map[string]sentEvent // event_id → what was sent, for Redeliver
	deliveries []Delivery
	cardTokens map[string]*cardToken

	scopes map[string]bool // granted tenant scopes
	botOff bool            // the bot ability is not activated

	tasks taskState // task v2 (task.go)
	org   *orgState // departments (departments.go); nil until the first is added
	base  baseState // Feishu Base (bitable.go)
}

func (st *state) init() {
	st.now = time.Now
	st.tokens = make(map[string]time.Time)
	st.userByID = make(map[string]*User)
	st.chatByID = make(map[string]*chatState)
	st.p2p = make(map[string]string)
	st.msgs = make(map[string]*message)
	st.uuids = make(map[string]uuidEntry)
	st.urgent = make(map[string]int)
	st.rl.init()
	st.faults = make(map[string]*fault)
	st.sent = make(map[string]sentEvent)
	st.cardTokens = make(map[string]*cardToken)
	st.scopes = make(map[string]bool)
	for _, sc := range DefaultScopes {
		st.scopes[sc] = true
	}
}

type chatState struct {
	Chat
	msgIDs []string
}

// message is the stored form of a Message; the exported copy is rebuilt on every read.
type message struct {
	Message
	ThreadID string
	Mentions []any
	Recalled bool
}

type uuidEntry struct {
	msgID string
	at    time.Time
}

// copyMessage returns a Message that shares nothing with the stored one.
func copyMessage(m *message) Message {
	out := m.Message
	out.UrgentTo = slices.Clone(m.UrgentTo)
	out.Card = nil
	if m.MsgType == "interactive" {
		var card map[string]any
		if json.Unmarshal([]byte(m.Content), &card) == nil {
			out.Card = card
		}
	}
	return out
}

// Message is a message as Lark currently holds it.
type Message struct {
	ID       string `json:"message_id"`
	ChatID   string `json:"chat_id"`
	ParentID string `json:"parent_id,omitempty"`
	RootID   string `json:"root_id,omitempty"`
	MsgType  string `json:"msg_type"`
	// Sender is "app" for the bot, else the user's open_id.
	Sender string `json:"sender"`
	// Content is the current content JSON string, after patches and delayed updates.
	Content string `json:"content"`
	// Card is the parsed current card when MsgType is "interactive".
	Card      map[string]any `json:"card,omitempty"`
	UUID      string         `json:"uuid,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	// Updates counts patches and delayed updates applied.
	Updates  int      `json:"updates"`
	UrgentTo []string `json:"urgent_to,omitempty"`
}

// Messages returns the messages of a chat in creation order.
func (s *Server) Messages(chatID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.chatByID[chatID]
	if c == nil {
		return nil
	}
	out := make([]Message, 0, len(c.msgIDs))
	for _, id := range c.msgIDs {
		out = append(out, copyMessage(s.st.msgs[id]))
	}
	return out
}

// DMs returns the messages in the bot↔user direct chat.
func (s *Server) DMs(openID string) []Message {
	return s.Messages(s.P2PChatID(openID))
}

// Message returns one message by id.
func (s *Server) Message(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.st.msgs[id]
	if m == nil {
		return Message{}, false
	}
	return copyMessage(m), true
}

// Recall marks a message as recalled by its sender, as if withdrawn in the client; later patches fail.
func (s *Server) Recall(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.st.msgs[id]
	if m == nil {
		return false
	}
	m.Recalled = true
	s.changedLocked()
	return true
}
