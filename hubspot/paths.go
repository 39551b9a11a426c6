package hubspot

import (
	"fmt"
	"strings"
)

// Version selects which API generation a request is sent to.
type Version string

const (
	// VersionV3 is the classic /crm/v3/objects/tasks API.
	VersionV3 Version = "v3"
	// Version202603 is the date-versioned /crm/objects/2026-03/tasks API.
	Version202603 Version = "2026-03"
)

// Versions lists the API versions upsertbench speaks.
var Versions = []Version{VersionV3, Version202603}

// ParseVersion accepts "v3" or "2026-03".
func ParseVersion(s string) (Version, error) {
	for _, v := range Versions {
		if string(v) == s {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown API version %q (valid: v3, 2026-03)", s)
}

// TasksPath is the collection path of tasks in version v.
func (v Version) TasksPath() string {
	if v == Version202603 {
		return "/crm/objects/2026-03/tasks"
	}
	return "/crm/v3/objects/tasks"
}

// UpsertPath is POST .../tasks/batch/upsert.
func (v Version) UpsertPath() string { return v.TasksPath() + "/batch/upsert" }

// ReadPath is POST .../tasks/batch/read.
func (v Version) ReadPath() string { return v.TasksPath() + "/batch/read" }

// ArchivePath is POST .../tasks/batch/archive.
func (v Version) ArchivePath() string { return v.TasksPath() + "/batch/archive" }

// SearchPath is POST .../tasks/search (both versions publish it).
func (v Version) SearchPath() string { return v.TasksPath() + "/search" }

// ObjectPath is GET .../tasks/{taskId}.
func (v Version) ObjectPath(taskID string) string { return v.TasksPath() + "/" + taskID }

// VersionOfPath reports which version a request path belongs to.
func VersionOfPath(path string) (Version, bool) {
	for _, v := range Versions {
		if path == v.TasksPath() || strings.HasPrefix(path, v.TasksPath()+"/") {
			return v, true
		}
	}
	return "", false
}
