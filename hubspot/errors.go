package hubspot

// Error categories (Error.category, StandardError.category).
const (
	CategoryValidation            = "VALIDATION_ERROR"
	CategoryInvalidAuthentication = "INVALID_AUTHENTICATION"
	CategoryMissingScopes         = "MISSING_SCOPES"
	CategoryConflict              = "CONFLICT"
	CategoryObjectNotFound        = "OBJECT_NOT_FOUND"
	CategoryRateLimits            = "RATE_LIMITS"
	CategoryUnsupportedMediaType  = "UNSUPPORTED_MEDIA_TYPE"
	CategoryRequestTooLarge       = "REQUEST_TOO_LARGE"
	CategoryMethodNotAllowed      = "METHOD_NOT_ALLOWED"
	CategoryInternalError         = "INTERNAL_ERROR"
)

// ErrorStatus is the "status" every error envelope carries.
const ErrorStatus = "error"

// Error detail codes for invalid property values.
const (
	CodeInvalidOption       = "INVALID_OPTION"
	CodePropertyDoesntExist = "PROPERTY_DOESNT_EXIST"
	CodeInvalidDate         = "INVALID_DATE"
	CodeInvalidLong         = "INVALID_LONG"
	CodeMaxLengthExceeded   = "MAX_LENGTH_EXCEEDED"
	CodeRequiredProperty    = "REQUIRED_PROPERTY"
	CodeReadOnlyValue       = "READ_ONLY_VALUE"
)

// Messages whose wording is known from real answers (hubspot-facts.md).
const (
	MessageInvalidPropertyValues = "Property values were not valid: "
	MessageAuthNotFound          = "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
	// MessageMissingScopes is the top-level message of a 403 for a missing
	// scope; MessageRequiredScopes is its inner entry, whose context names
	// the scopes under requiredGranularScopes.
	MessageMissingScopes  = "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: " + ScopesURL + "."
	MessageRequiredScopes = "One or more of the following scopes are required."
	// MessageTooManyInputs refuses a batch of more than MaxBatchInputs.
	MessageTooManyInputs = "The maximum number of inputs supported in a batch is 100. Please reduce the number of items and try again"
	// MessageRequiredPropertiesNotSet refuses a create without a required
	// property (hs_timestamp for tasks); context.properties names them.
	MessageRequiredPropertiesNotSet = "Error creating TASK. Some required properties were not set."
)

// ScopesURL is the scopes documentation a 403 links to (links.scopes).
const ScopesURL = "https://developers.hubspot.com/scopes"

// WriteScope is the scope task writes need, as a 403 names it.
const WriteScope = "crm.objects.tasks.write"
