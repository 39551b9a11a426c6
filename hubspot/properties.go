package hubspot

// ObjectTypeID is HubSpot's object type id for tasks.
const ObjectTypeID = "0-27"

// Task property names. hs_timestamp is required when a task is created.
const (
	PropTimestamp          = "hs_timestamp"            // due date: epoch ms or ISO 8601 UTC
	PropTaskSubject        = "hs_task_subject"         // title
	PropTaskBody           = "hs_task_body"            // notes
	PropOwnerID            = "hubspot_owner_id"        // owner (numeric string)
	PropTaskStatus         = "hs_task_status"          // TaskStatus
	PropTaskPriority       = "hs_task_priority"        // TaskPriority
	PropTaskType           = "hs_task_type"            // TaskType
	PropTaskReminders      = "hs_task_reminders"       // epoch ms
	PropQueueMembershipIDs = "hs_queue_membership_ids" // semicolon-separated queue ids

	// System properties: set by HubSpot, echoed in results, never writable.
	PropObjectID         = "hs_object_id"
	PropCreateDate       = "hs_createdate"
	PropLastModifiedDate = "hs_lastmodifieddate"

	// Calculated and default properties HubSpot adds to a created task
	// (hubspot-facts.md, "Seen on the real API": creates get defaults).
	PropTaskIsCompleted        = "hs_task_is_completed"         // "1" when hs_task_status is COMPLETED, else "0"
	PropBodyPreview            = "hs_body_preview"              // hs_task_body as text
	PropBodyPreviewHTML        = "hs_body_preview_html"         // hs_task_body as an HTML document
	PropBodyPreviewIsTruncated = "hs_body_preview_is_truncated" // "true" when the preview was cut
	PropObjectSource           = "hs_object_source"             // INTEGRATION for writes by a private app
	PropObjectSourceID         = "hs_object_source_id"          // the writing app's id
	PropObjectSourceLabel      = "hs_object_source_label"       // INTEGRATION
	PropPipeline               = "hs_pipeline"                  // the task pipeline's id
	PropPipelineStage          = "hs_pipeline_stage"            // the stage's id

	// DefaultIDProperty is the custom unique property (created with
	// hasUniqueValue: true) that upsertbench upserts by unless told otherwise.
	DefaultIDProperty = "external_task_id"
)

// WritableTaskProperties lists the documented task properties a client may
// write, in a stable order.
var WritableTaskProperties = []string{
	PropTimestamp, PropTaskSubject, PropTaskBody, PropOwnerID, PropTaskStatus,
	PropTaskPriority, PropTaskType, PropTaskReminders, PropQueueMembershipIDs,
}

// SystemProperties lists the read-only properties HubSpot maintains itself.
var SystemProperties = []string{
	PropObjectID, PropCreateDate, PropLastModifiedDate,
	PropTaskIsCompleted, PropBodyPreview, PropBodyPreviewHTML, PropBodyPreviewIsTruncated,
	PropObjectSource, PropObjectSourceID, PropObjectSourceLabel, PropPipeline, PropPipelineStage,
}

// DateTimeProperties lists the task properties of type datetime: HubSpot
// accepts epoch milliseconds or ISO 8601 and answers ISO 8601.
var DateTimeProperties = []string{PropTimestamp, PropTaskReminders, PropCreateDate, PropLastModifiedDate}

// Limits of the batch endpoints.
const (
	// MaxBatchInputs is the most inputs one batch call accepts.
	MaxBatchInputs = 100
	// MaxPropertyValueLength is the longest string property value accepted, in characters.
	MaxPropertyValueLength = 65536
)

// ObjectURL is the app URL HubSpot reports for a task record.
func ObjectURL(portalID, objectID string) string {
	return "https://app.hubspot.com/contacts/" + portalID + "/record/" + ObjectTypeID + "/" + objectID
}

// NumWritableTaskProperties is len(WritableTaskProperties), for arrays
// indexed like it.
const NumWritableTaskProperties = 9

// WritablePropertyIndex returns the position of name in
// WritableTaskProperties, or -1. It does not allocate; the load engine asks
// it for every property of every result.
func WritablePropertyIndex(name []byte) int {
	if len(name) >= len(writableByLength) {
		return -1
	}
	for _, i := range writableByLength[len(name)] {
		if string(name) == WritableTaskProperties[i] {
			return int(i)
		}
	}
	return -1
}

// writableByLength lists the WritableTaskProperties positions by name length.
var writableByLength = func() (t [32][]uint8) {
	for i, p := range WritableTaskProperties {
		t[len(p)] = append(t[len(p)], uint8(i))
	}
	return t
}()
