package larktest

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Task v2, as an app with the tenant token uses it. Sources, the API pages and their error tables:
//   - create: https://open.feishu.cn/document/task-v2/task/create
//   - patch:  https://open.feishu.cn/document/task-v2/task/patch
//   - get:    https://open.feishu.cn/document/task-v2/task/get
const (
	RouteCreateTask = "POST /open-apis/task/v2/tasks"
	RoutePatchTask  = "PATCH /open-apis/task/v2/tasks/:task_guid"
	RouteGetTask    = "GET /open-apis/task/v2/tasks/:task_guid"
)

// Task v2 answer codes. 1470400 (bad request parameters) is on the task pages' error tables; 1470404 for a
// task that does not exist is chosen from the same family (the pages name it for operations the caller
// may not perform on the task).
const (
	CodeTaskInvalidParam = 1470400
	CodeTaskNotFound     = 1470404
)

// Documented limits of the create page: summary and description up to 3000 characters each, client_token
// 10 to 100 characters, at most 50 assignees.
const (
	taskTextMax      = 3000
	taskTokenMin     = 10
	taskTokenMax     = 100
	taskAssigneesMax = 50
)

func init() {
	// Scopes, from the "权限要求" of the pages above: any one of them unlocks the call.
	routeScopes[RouteCreateTask] = []string{"task:task:write", "task:task:writeonly"}
	routeScopes[RoutePatchTask] = []string{"task:task:write", "task:task:writeonly"}
	routeScopes[RouteGetTask] = []string{"task:task:read", "task:task:readonly", "task:task:write"}
	DefaultScopes = append(DefaultScopes, "task:task:write")
}

// Task is a task v2 as the emulator holds it.
type Task struct {
	GUID        string
	Summary     string
	Description string
	Due         time.Time // zero: no due time
	AllDay      bool
	Assignees   []string // open_ids
	CompletedAt time.Time
	LinkURL     string // origin.href
	LinkTitle   string
	ClientToken string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Patches     int // accepted patches, for tests that count updates
}

type taskState struct {
	byGUID  map[string]*Task
	order   []string
	byToken map[string]string // client_token → guid
}

func (s *Server) tasksLocked() *taskState {
	if s.st.tasks.byGUID == nil {
		s.st.tasks.byGUID = map[string]*Task{}
		s.st.tasks.byToken = map[string]string{}
	}
	return &s.st.tasks
}

func (s *Server) taskRoutes(handle func(route string, authed bool, fn apiFunc)) {
	handle(RouteCreateTask, true, s.handleCreateTask)
	handle(RoutePatchTask, true, s.handlePatchTask)
	handle(RouteGetTask, true, s.handleGetTask)
}

// inputTask is the wire form of InputTask (service/task/v2 model.go) the emulator reads.
type inputTask struct {
	Summary     *string `json:"summary"`
	Description *string `json:"description"`
	Due         *struct {
		Timestamp string `json:"timestamp"`
		IsAllDay  bool   `json:"is_all_day"`
	} `json:"due"`
	CompletedAt *string `json:"completed_at"`
	Members     []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Role string `json:"role"`
	} `json:"members"`
	Origin *struct {
		Href *struct {
			URL   string `json:"url"`
			Title string `json:"title"`
		} `json:"href"`
	} `json:"origin"`
	ClientToken string `json:"client_token"`
}

var errTaskParam = errors.New("invalid task")

func parseMillis(v string) (time.Time, error) {
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms < 0 {
		return time.Time{}, fmt.Errorf("%w: %q is not a millisecond timestamp", errTaskParam, v)
	}
	if ms == 0 {
		return time.Time{}, nil
	}
	return time.UnixMilli(ms).UTC(), nil
}

func (s *Server) handleCreateTask(a *apiReq) reply {
	if a.r.URL.Query().Get("user_id_type") != "open_id" && a.r.URL.Query().Get("user_id_type") != "" {
		return bad(CodeTaskInvalidParam, "the emulator serves user_id_type=open_id only")
	}
	var in inputTask
	if err := a.decode(&in); err != nil {
		return bad(CodeTaskInvalidParam, "invalid request body")
	}
	if in.Summary == nil || *in.Summary == "" {
		return bad(CodeTaskInvalidParam, "summary is required")
	}
	if utf8.RuneCountInString(*in.Summary) > taskTextMax || (in.Description != nil && utf8.RuneCountInString(*in.Description) > taskTextMax) {
		return bad(CodeTaskInvalidParam, "summary or description longer than 3000 characters")
	}
	if in.ClientToken != "" && (len(in.ClientToken) < taskTokenMin || len(in.ClientToken) > taskTokenMax) {
		return bad(CodeTaskInvalidParam, "client_token must be 10 to 100 characters")
	}
	ts := s.tasksLocked()
	if guid, ok := ts.byToken[in.ClientToken]; ok && in.ClientToken != "" {
		// A repeat of the client_token answers with the task the first request created.
		return ok200Task(ts.byGUID[guid])
	}
	now := s.st.now()
	t := &Task{GUID: newTaskGUID(), Summary: *in.Summary, ClientToken: in.ClientToken, CreatedAt: now, UpdatedAt: now}
	if in.Description != nil {
		t.Description = *in.Description
	}
	if rep, ok := applyDue(t, in); !ok {
		return rep
	}
	for _, m := range in.Members {
		if m.Role != "assignee" && m.Role != "follower" {
			return bad(CodeTaskInvalidParam, "member role must be assignee or follower")
		}
		if _, known := s.st.userByID[m.ID]; !known {
			return bad(CodeTaskInvalidParam, "member "+m.ID+" is not a user of this tenant")
		}
		if m.Role == "assignee" {
			t.Assignees = append(t.Assignees, m.ID)
		}
	}
	if len(t.Assignees) > taskAssigneesMax {
		return bad(CodeTaskInvalidParam, "at most 50 assignees")
	}
	if in.Origin != nil && in.Origin.Href != nil {
		t.LinkURL, t.LinkTitle = in.Origin.Href.URL, in.Origin.Href.Title
	}
	if in.CompletedAt != nil {
		at, err := parseMillis(*in.CompletedAt)
		if err != nil {
			return bad(CodeTaskInvalidParam, err.Error())
		}
		t.CompletedAt = at
	}
	ts.byGUID[t.GUID] = t
	ts.order = append(ts.order, t.GUID)
	if in.ClientToken != "" {
		ts.byToken[in.ClientToken] = t.GUID
	}
	return ok200Task(t)
}

func applyDue(t *Task, in inputTask) (reply, bool) {
	if in.Due == nil {
		return reply{}, true
	}
	at, err := parseMillis(in.Due.Timestamp)
	if err != nil {
		return bad(CodeTaskInvalidParam, err.Error()), false
	}
	t.Due, t.AllDay = at, in.Due.IsAllDay
	return reply{}, true
}

func (s *Server) handlePatchTask(a *apiReq) reply {
	var body struct {
		Task         *inputTask `json:"task"`
		UpdateFields []string   `json:"update_fields"`
	}
	if err := a.decode(&body); err != nil || body.Task == nil || len(body.UpdateFields) == 0 {
		return bad(CodeTaskInvalidParam, "task and update_fields are required")
	}
	t, ok := s.tasksLocked().byGUID[a.r.PathValue("task_guid")]
	if !ok {
		return bad(CodeTaskNotFound, "task not found")
	}
	in := *body.Task
	for _, f := range body.UpdateFields {
		switch f {
		case "summary":
			if in.Summary == nil || *in.Summary == "" || utf8.RuneCountInString(*in.Summary) > taskTextMax {
				return bad(CodeTaskInvalidParam, "summary must be 1 to 3000 characters")
			}
			t.Summary = *in.Summary
		case "description":
			if in.Description != nil {
				t.Description = *in.Description
			}
		case "due":
			if in.Due == nil {
				t.Due = time.Time{} // a named field left out of task clears it
			} else if rep, ok := applyDue(t, in); !ok {
				return rep
			}
		case "completed_at":
			at := time.Time{}
			if in.CompletedAt != nil {
				var err error
				if at, err = parseMillis(*in.CompletedAt); err != nil {
					return bad(CodeTaskInvalidParam, err.Error())
				}
			}
			t.CompletedAt = at // "0" reopens the task
		default:
			return bad(CodeTaskInvalidParam, "update_fields: the emulator does not serve "+f)
		}
	}
	t.Patches++
	t.UpdatedAt = s.st.now()
	return ok200Task(t)
}

func (s *Server) handleGetTask(a *apiReq) reply {
	t, ok := s.tasksLocked().byGUID[a.r.PathValue("task_guid")]
	if !ok {
		return bad(CodeTaskNotFound, "task not found")
	}
	return ok200Task(t)
}

func ok200Task(t *Task) reply {
	ms := func(v time.Time) string {
		if v.IsZero() {
			return "0"
		}
		return strconv.FormatInt(v.UnixMilli(), 10)
	}
	members := []map[string]any{}
	for _, id := range t.Assignees {
		members = append(members, map[string]any{"id": id, "type": "user", "role": "assignee"})
	}
	status := "todo"
	if !t.CompletedAt.IsZero() {
		status = "done"
	}
	task := map[string]any{
		"guid": t.GUID, "summary": t.Summary, "description": t.Description, "members": members,
		"completed_at": ms(t.CompletedAt), "created_at": ms(t.CreatedAt), "updated_at": ms(t.UpdatedAt),
		"status": status, "url": "https://applink.feishu.cn/client/todo/detail?guid=" + t.GUID,
	}
	if !t.Due.IsZero() {
		task["due"] = map[string]any{"timestamp": ms(t.Due), "is_all_day": t.AllDay}
	}
	if t.LinkURL != "" {
		task["origin"] = map[string]any{"href": map[string]any{"url": t.LinkURL, "title": t.LinkTitle}}
	}
	return ok(map[string]any{"task": task})
}

// Tasks returns copies of the tasks in creation order.
func (s *Server) Tasks() []Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.tasksLocked()
	out := make([]Task, 0, len(ts.order))
	for _, g := range ts.order {
		t := *ts.byGUID[g]
		t.Assignees = append([]string(nil), t.Assignees...)
		out = append(out, t)
	}
	return out
}

// CompleteTask completes the task as its assignee would in the Feishu client, at the emulator's now.
func (s *Server) CompleteTask(guid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasksLocked().byGUID[guid]
	if !ok {
		return fmt.Errorf("larktest: no task %s", guid)
	}
	t.CompletedAt = s.st.now().UTC()
	t.UpdatedAt = t.CompletedAt
	s.changedLocked()
	return nil
}

func newTaskGUID() string {
	h := randHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
