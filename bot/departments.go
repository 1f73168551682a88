package bot

import (
	"context"
	"errors"
	"slices"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkcontact "github.com/larksuite/oapi-sdk-go/v3/service/contact/v3"

	"github.com/baton-crm/baton/crm"
)

// CodeNoDeptAuthority: the department is outside the app's contact range ("no dept authority error", the
// error table of https://open.feishu.cn/document/server-docs/contact-v3/department/get; find_by_department
// says a department outside the range is refused: https://open.feishu.cn/document/server-docs/contact-v3/user/find_by_department).
const CodeNoDeptAuthority = 40004

// contactPageSize is the largest page both listings take: find_by_department and department children
// accept page_size up to 50 (the query parameters of the two pages above and of
// https://open.feishu.cn/document/server-docs/contact-v3/department/children).
const contactPageSize = 50

// DepartmentMembers lists the open_ids of everyone in the departments (open_department_id, "od-…") and
// all their sub-departments, every page. A department Lark refuses for the contact range (40004, 41050)
// is named in Unreadable and the walk goes on with the others; any other failure fails the listing.
func (c *Client) DepartmentMembers(ctx context.Context, departments []string) (crm.OrgListing, error) {
	var out crm.OrgListing
	seen := map[string]bool{}
	queue := slices.Clone(departments)
	for _, root := range departments {
		// fetch_child=true returns every descendant, not only direct children, in one paged listing.
		kids, err := c.childDepartments(ctx, root)
		if outOfRange(err) {
			out.Unreadable = append(out.Unreadable, root)
			continue
		}
		if err != nil {
			return crm.OrgListing{}, err
		}
		queue = append(queue, kids...)
	}
	for _, d := range queue {
		if seen[d] || slices.Contains(out.Unreadable, d) {
			continue
		}
		seen[d] = true
		ids, err := c.departmentUsers(ctx, d)
		if outOfRange(err) {
			out.Unreadable = append(out.Unreadable, d)
			continue
		}
		if err != nil {
			return crm.OrgListing{}, err
		}
		out.Members = append(out.Members, ids...)
	}
	slices.Sort(out.Members)
	out.Members = slices.Compact(out.Members)
	return out, nil
}

func outOfRange(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == CodeNoDeptAuthority || ae.Code == CodeNoUserAuthority)
}

// childDepartments lists every department under id (GET /open-apis/contact/v3/departments/:id/children
// with fetch_child=true), all pages.
func (c *Client) childDepartments(ctx context.Context, id string) ([]string, error) {
	var out []string
	err := c.pages(ctx, "department_children", []any{"department_id", id}, func(ctx context.Context, token string, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, bool, string, error) {
		b := larkcontact.NewChildrenDepartmentReqBuilder().DepartmentId(id).DepartmentIdType("open_department_id").
			UserIdType("open_id").FetchChild(true).PageSize(contactPageSize)
		if token != "" {
			b.PageToken(token)
		}
		r, err := c.contact.Department.Children(ctx, b.Build(), tok)
		if err != nil {
			return nil, nil, false, "", err
		}
		var more bool
		var next string
		if r.Code == 0 && r.Data != nil {
			for _, d := range r.Data.Items {
				if d != nil && d.OpenDepartmentId != nil {
					out = append(out, *d.OpenDepartmentId)
				}
			}
			more, next = r.Data.HasMore != nil && *r.Data.HasMore, deref(r.Data.PageToken)
		}
		return r.ApiResp, &r.CodeError, more, next, nil
	})
	return out, err
}

// departmentUsers lists the people directly in department id (GET /open-apis/contact/v3/users/find_by_department),
// all pages. Lark lists active members only: a resigned user is no longer in a department.
func (c *Client) departmentUsers(ctx context.Context, id string) ([]string, error) {
	var out []string
	err := c.pages(ctx, "department_users", []any{"department_id", id}, func(ctx context.Context, token string, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, bool, string, error) {
		b := larkcontact.NewFindByDepartmentUserReqBuilder().DepartmentId(id).DepartmentIdType("open_department_id").
			UserIdType("open_id").PageSize(contactPageSize)
		if token != "" {
			b.PageToken(token)
		}
		r, err := c.contact.User.FindByDepartment(ctx, b.Build(), tok)
		if err != nil {
			return nil, nil, false, "", err
		}
		var more bool
		var next string
		if r.Code == 0 && r.Data != nil {
			for _, u := range r.Data.Items {
				if u == nil || u.OpenId == nil {
					continue
				}
				if st := u.Status; st != nil && (isTrue(st.IsResigned) || isTrue(st.IsFrozen)) {
					continue
				}
				out = append(out, *u.OpenId)
			}
			more, next = r.Data.HasMore != nil && *r.Data.HasMore, deref(r.Data.PageToken)
		}
		return r.ApiResp, &r.CodeError, more, next, nil
	})
	return out, err
}

func isTrue(b *bool) bool { return b != nil && *b }

// pages runs a paged listing through c.do (pacing, retries, token) until Lark says there is no more.
func (c *Client) pages(ctx context.Context, op string, attrs []any,
	one func(ctx context.Context, token string, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, bool, string, error)) error {
	token := ""
	for page := 0; ; page++ {
		var more bool
		var next string
		err := c.do(ctx, call{op: op, keys: c.rateKeys(op), attrs: append(slices.Clone(attrs), "page", page)},
			func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
				resp, code, m, n, err := one(ctx, token, tok)
				more, next = m, n
				return resp, code, err
			})
		if err != nil {
			return err
		}
		if !more || next == "" {
			return nil
		}
		token = next
	}
}

var _ crm.OrgChart = (*Client)(nil)
