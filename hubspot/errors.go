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

// Messages whose wording is known from real answers.
const (
	MessageInvalidPropertyValues = "Property values were not valid: "
	MessageAuthNotFound          = "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
	MessageMissingScopes         = "One or more of the following scopes are required."
)

// WriteScope is the scope batch writes need.
const WriteScope = "crm.objects.contacts.write"
