package hubspot

// Search wire types: POST .../tasks/search (Version.SearchPath), as
// HubSpot's published spec names them.

// SearchRequest is the body of a search (PublicObjectSearchRequest).
// Filter groups are ORed, the filters of a group ANDed. The spec types
// sorts as strings ("name" ascending, "-name" descending); HubSpot's guide
// and clients also send {"propertyName", "direction"} objects, which Sort
// marshals to. After is the paging cursor of the previous page
// (paging.next.after).
type SearchRequest struct {
	FilterGroups []FilterGroup `json:"filterGroups,omitempty"`
	Sorts        []Sort        `json:"sorts,omitempty"`
	Query        string        `json:"query,omitempty"`
	Properties   []string      `json:"properties,omitempty"`
	Limit        int           `json:"limit,omitempty"`
	After        string        `json:"after,omitempty"`
}

// FilterGroup is one group of ANDed filters.
type FilterGroup struct {
	Filters []Filter `json:"filters"`
}

// Filter is one condition on a property. Value serves the comparison
// operators, HighValue with Value the BETWEEN range, Values IN and NOT_IN.
type Filter struct {
	PropertyName string         `json:"propertyName"`
	Operator     FilterOperator `json:"operator"`
	Value        string         `json:"value,omitempty"`
	HighValue    string         `json:"highValue,omitempty"`
	Values       []string       `json:"values,omitempty"`
}

// FilterOperator is a search filter's operator.
type FilterOperator string

// The operators of the spec's Filter.operator enum.
const (
	OperatorEQ               FilterOperator = "EQ"
	OperatorNEQ              FilterOperator = "NEQ"
	OperatorLT               FilterOperator = "LT"
	OperatorLTE              FilterOperator = "LTE"
	OperatorGT               FilterOperator = "GT"
	OperatorGTE              FilterOperator = "GTE"
	OperatorBetween          FilterOperator = "BETWEEN"
	OperatorIn               FilterOperator = "IN"
	OperatorNotIn            FilterOperator = "NOT_IN"
	OperatorHasProperty      FilterOperator = "HAS_PROPERTY"
	OperatorNotHasProperty   FilterOperator = "NOT_HAS_PROPERTY"
	OperatorContainsToken    FilterOperator = "CONTAINS_TOKEN"
	OperatorNotContainsToken FilterOperator = "NOT_CONTAINS_TOKEN"
)

// Sort orders search results by one property.
type Sort struct {
	PropertyName string        `json:"propertyName"`
	Direction    SortDirection `json:"direction"`
}

// SortDirection is ASCENDING or DESCENDING.
type SortDirection string

const (
	Ascending  SortDirection = "ASCENDING"
	Descending SortDirection = "DESCENDING"
)

// SearchResponse is a search's answer
// (CollectionResponseWithTotalSimplePublicObject): the matching total, one
// page of results, and the cursor of the next page when there is one.
type SearchResponse struct {
	Total   int                  `json:"total"`
	Results []SimplePublicObject `json:"results"`
	Paging  *Paging              `json:"paging,omitempty"`
}

// Paging holds the cursor of the next page (ForwardPaging).
type Paging struct {
	Next *NextPage `json:"next,omitempty"`
}

// NextPage is the cursor of the next page.
type NextPage struct {
	After string `json:"after"`
	Link  string `json:"link,omitempty"`
}
