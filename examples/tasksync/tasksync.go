// Package tasksync is a small example of the code upsertbench's users
// write and test: an integration that pushes tasks into HubSpot with the
// batch upsert API, handles partial failure (207) and HubSpot's ten-second
// rate limit (429). Its tests (tasksync_test.go) are the point: they show
// how a user's own repository tests such code against upsertbench's
// emulator, runs the contract suite against whatever endpoint the code
// talks to, and load-tests it, through upsertbench's public Go API only.
package tasksync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Task is one task as the user's own system knows it.
type Task struct {
	ExternalID string // the value of the unique property external_task_id
	Subject    string
	Due        time.Time
}

// Client pushes tasks to a HubSpot-compatible endpoint.
type Client struct {
	BaseURL, Token string
	HTTP           *http.Client
	// MaxRetries bounds retries of a rate-limited batch.
	MaxRetries int
	// Backoff is the wait after a 429 when the answer gives no Retry-After.
	Backoff time.Duration
}

// Result is what one Push did.
type Result struct {
	Created, Updated int
	// Failed maps the external ids HubSpot refused to its message.
	Failed map[string]string
	// Retries counts 429 answers that were waited out.
	Retries int
}

type input struct {
	ID                 string            `json:"id"`
	IDProperty         string            `json:"idProperty"`
	ObjectWriteTraceID string            `json:"objectWriteTraceId"`
	Properties         map[string]string `json:"properties"`
}

type answer struct {
	Results []struct {
		ID                 string            `json:"id"`
		New                bool              `json:"new"`
		Properties         map[string]string `json:"properties"`
		ObjectWriteTraceID string            `json:"objectWriteTraceId"`
	} `json:"results"`
	Errors []struct {
		Message string              `json:"message"`
		Context map[string][]string `json:"context"`
	} `json:"errors"`
}

// Push upserts up to 100 tasks by external_task_id. Invalid tasks come
// back in Result.Failed (HubSpot answers 207 when each input carries a
// trace id); a 429 is retried after Retry-After or Backoff.
func (c *Client) Push(ctx context.Context, tasks []Task) (Result, error) {
	res := Result{Failed: map[string]string{}}
	ins := make([]input, len(tasks))
	for i, t := range tasks {
		props := map[string]string{"hs_task_subject": t.Subject}
		if !t.Due.IsZero() {
			props["hs_timestamp"] = strconv.FormatInt(t.Due.UnixMilli(), 10)
		}
		ins[i] = input{ID: t.ExternalID, IDProperty: "external_task_id", ObjectWriteTraceID: t.ExternalID, Properties: props}
	}
	body, err := json.Marshal(map[string]any{"inputs": ins})
	if err != nil {
		return res, err
	}
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+"/crm/v3/objects/tasks/batch/upsert", bytes.NewReader(body))
		if err != nil {
			return res, err
		}
		req.Header.Set("Authorization", "Bearer "+c.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return res, err
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		resp.Body.Close()
		if err != nil {
			return res, err
		}
		switch resp.StatusCode {
		case http.StatusOK, http.StatusMultiStatus:
			var a answer
			if err := json.Unmarshal(raw, &a); err != nil {
				return res, fmt.Errorf("tasksync: answer %d is not JSON: %w", resp.StatusCode, err)
			}
			for _, r := range a.Results {
				if r.New {
					res.Created++
				} else {
					res.Updated++
				}
			}
			for _, e := range a.Errors {
				for _, id := range e.Context["objectWriteTraceId"] {
					res.Failed[id] = e.Message
				}
			}
			return res, nil
		case http.StatusTooManyRequests:
			if res.Retries >= c.MaxRetries {
				return res, fmt.Errorf("tasksync: still rate limited after %d retries", res.Retries)
			}
			res.Retries++
			wait := c.Backoff
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
				wait = time.Duration(s) * time.Second
			}
			select {
			case <-ctx.Done():
				return res, ctx.Err()
			case <-time.After(wait):
			}
		default:
			return res, fmt.Errorf("tasksync: HubSpot answered %d: %.200s", resp.StatusCode, raw)
		}
	}
}
