package hubspot

import "slices"

// BatchStatus is the status of a batch answer. Synchronous calls answer COMPLETE.
type BatchStatus string

const (
	BatchStatusCanceled   BatchStatus = "CANCELED"
	BatchStatusComplete   BatchStatus = "COMPLETE"
	BatchStatusPending    BatchStatus = "PENDING"
	BatchStatusProcessing BatchStatus = "PROCESSING"
)

// BatchStatuses lists every valid BatchStatus in the order of the schema's enum.
var BatchStatuses = []BatchStatus{BatchStatusCanceled, BatchStatusComplete, BatchStatusPending, BatchStatusProcessing}

// Valid reports whether s is one of BatchStatuses.
func (s BatchStatus) Valid() bool { return slices.Contains(BatchStatuses, s) }

// TaskStatus is the value of the hs_task_status property.
type TaskStatus string

const (
	TaskStatusNotStarted TaskStatus = "NOT_STARTED"
	TaskStatusInProgress TaskStatus = "IN_PROGRESS"
	TaskStatusWaiting    TaskStatus = "WAITING"
	TaskStatusCompleted  TaskStatus = "COMPLETED"
	TaskStatusDeferred   TaskStatus = "DEFERRED"
)

// TaskStatuses lists every valid TaskStatus.
var TaskStatuses = []TaskStatus{TaskStatusNotStarted, TaskStatusInProgress, TaskStatusWaiting, TaskStatusCompleted, TaskStatusDeferred}

// Valid reports whether s is one of TaskStatuses.
func (s TaskStatus) Valid() bool { return slices.Contains(TaskStatuses, s) }

// TaskPriority is the value of the hs_task_priority property.
type TaskPriority string

const (
	TaskPriorityNone   TaskPriority = "NONE"
	TaskPriorityLow    TaskPriority = "LOW"
	TaskPriorityMedium TaskPriority = "MEDIUM"
	TaskPriorityHigh   TaskPriority = "HIGH"
)

// TaskPriorities lists every valid TaskPriority.
var TaskPriorities = []TaskPriority{TaskPriorityNone, TaskPriorityLow, TaskPriorityMedium, TaskPriorityHigh}

// Valid reports whether p is one of TaskPriorities.
func (p TaskPriority) Valid() bool { return slices.Contains(TaskPriorities, p) }

// TaskType is the value of the hs_task_type property.
type TaskType string

const (
	TaskTypeTodo            TaskType = "TODO"
	TaskTypeCall            TaskType = "CALL"
	TaskTypeEmail           TaskType = "EMAIL"
	TaskTypeLinkedInMessage TaskType = "LINKED_IN_MESSAGE"
	TaskTypeLinkedInConnect TaskType = "LINKED_IN_CONNECT"
)

// TaskTypes lists every valid TaskType.
var TaskTypes = []TaskType{TaskTypeTodo, TaskTypeCall, TaskTypeEmail, TaskTypeLinkedInMessage, TaskTypeLinkedInConnect}

// Valid reports whether t is one of TaskTypes.
func (t TaskType) Valid() bool { return slices.Contains(TaskTypes, t) }

// EnumValues returns the allowed values of an enumerated task property, or
// nil when the property is not an enumeration.
func EnumValues(property string) []string {
	switch property {
	case PropTaskStatus:
		return toStrings(TaskStatuses)
	case PropTaskPriority:
		return toStrings(TaskPriorities)
	case PropTaskType:
		return toStrings(TaskTypes)
	}
	return nil
}

func toStrings[S ~string](in []S) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}
