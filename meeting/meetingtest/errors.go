package meetingtest

import (
	"encoding/json"
	"net/http"
)

// apiError is one of Huawei's error answers: an HTTP status with the
// error_code and error_msg of its JSON body.
type apiError struct {
	status int
	code   string
	msg    string
}

// Error codes Huawei documents (docs/huawei-api.md, Errors).
var (
	errConfDataNotFound  = apiError{http.StatusBadRequest, "MMC.111070005", "CONF_DATA_NOT_FOUND"}
	errConfIsClosed      = apiError{http.StatusBadRequest, "MMC.111072006", "CONF_IS_CLOSED"}
	errConfNotStarted    = apiError{http.StatusBadRequest, "MMC.111072005", "CONF_NOT_STARTED"}
	errConfAuthFailed    = apiError{http.StatusBadRequest, "MMC.111072065", "CONF_NOT_FOUND_OR_AUTH_FAILED"}
	errUserTokenAuthFail = apiError{http.StatusUnauthorized, "MMC.118000001", "USER_TOKEN_AUTH_FAILED"}
)

// Error codes that docs/huawei-api.md (Errors) marks as inferred.
var (
	errConfLoginLocked = apiError{http.StatusBadRequest, "MMC.111072064", "CONF_CTR_LOGIN_LOCKED"}
	errNoPermission    = apiError{http.StatusForbidden, "MMC.111070002", "NO_PERMISSION"}
)

// Error codes the fake invents because no source names one. Clients should
// branch on the HTTP status class for these, as Huawei advises for unknown
// codes.
var (
	// A rejected control token on stop or keep-alive. Huawei documents only
	// "401"; the fake reuses the access-token code so that a client's
	// "401: get a new token and retry once" path is exercised.
	errControlTokenAuthFail = errUserTokenAuthFail
	// A missing or malformed parameter of a management or control call.
	errMMCParamInvalid = apiError{http.StatusBadRequest, "MMC.111070001", "PARAM_INVALID"}
	// CancelMeeting without type=1 for a meeting in progress. Huawei says
	// only that such a meeting "cannot be canceled" by default.
	errConfInProgress = apiError{http.StatusBadRequest, "MMC.111072011", "CONF_IS_ONGOING"}
	// CancelMeeting for a recurring meeting, which has its own call
	// (cycleconferences). What Huawei does is not documented; the fake
	// refuses, so that a client that cancels a recurring meeting with the
	// plain call is caught.
	errCycleConf = apiError{http.StatusBadRequest, "MMC.111072012", "CYCLE_CONF_NOT_SUPPORTED"}

	// Log-in failures. Huawei answers them with USG.* codes whose values it
	// does not publish in the pages used here.
	errUSGParamInvalid      = apiError{http.StatusBadRequest, "USG.000000001", "PARAM_INVALID"}
	errUSGAuthHeader        = apiError{http.StatusUnauthorized, "USG.000000002", "AUTHORIZATION_INVALID"}
	errUSGSignature         = apiError{http.StatusUnauthorized, "USG.000000003", "SIGNATURE_INVALID"}
	errUSGExpireTime        = apiError{http.StatusUnauthorized, "USG.000000004", "SIGNATURE_EXPIRED"}
	errUSGNonceReused       = apiError{http.StatusUnauthorized, "USG.000000005", "NONCE_REUSED"}
	errUSGAppID             = apiError{http.StatusUnauthorized, "USG.000000006", "APPID_INVALID"}
	errUSGUserNotFound      = apiError{http.StatusUnauthorized, "USG.000000007", "USER_NOT_EXIST"}
	errUSGAccountOrPassword = apiError{http.StatusUnauthorized, "USG.000000008", "ACCOUNT_OR_PASSWORD_ERROR"}
	errUSGCorpID            = apiError{http.StatusUnauthorized, "USG.000000009", "CORPID_NOT_ALLOWED"}

	// Gateway answers for requests that match no API. The real gateway's
	// APIG.0101 means "the API does not exist".
	errNotFound         = apiError{http.StatusNotFound, "APIG.0101", "API_NOT_FOUND"}
	errMethodNotAllowed = apiError{http.StatusMethodNotAllowed, "APIG.0101", "METHOD_NOT_ALLOWED"}
)

// jsonContentType is what Huawei's examples show on JSON answers.
const jsonContentType = "application/json;charset=UTF-8"

// errorBody is Huawei's error body.
type errorBody struct {
	Code      string `json:"error_code"`
	Msg       string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

// writeError answers with e, tagging the body with the response's request ID.
func writeError(w http.ResponseWriter, e apiError) {
	writeJSON(w, e.status, errorBody{Code: e.code, Msg: e.msg, RequestID: w.Header().Get(headerRequestID)})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	_, _ = w.Write(marshal(v))
}

// marshal is json.Marshal for the fake's own types, which always marshal.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("meetingtest: marshal response: " + err.Error())
	}
	return b
}
