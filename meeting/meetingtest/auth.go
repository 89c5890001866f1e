package meetingtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	clientTypeAPI      = 72 // the only clientType the fake accepts
	maxTokensPerUser   = 64 // live access tokens per user; the 65th evicts the oldest
	maxSignatureAhead  = 24 * time.Hour
	refreshValidPeriod = 2592000 // seconds, as in Huawei's example
	minNonceLen        = 32
	maxNonceLen        = 64
)

// adminType values of the log-in response's user. Huawei's UserInfo
// documents 0 as the enterprise's default administrator, 1 as another
// administrator and 2 as an ordinary user (the example shows 2).
const (
	adminTypeDefaultAdmin = 0
	adminTypeAdmin        = 1
	adminTypeUser         = 2
)

// accessToken is a live access token.
type accessToken struct {
	userID  string
	expires time.Time
}

// authResponse is the answer of both log-in calls.
type authResponse struct {
	AccessToken        string   `json:"accessToken"`
	ValidPeriod        int64    `json:"validPeriod"` // seconds
	ExpireTime         int64    `json:"expireTime"`  // Unix seconds
	CreateTime         int64    `json:"createTime"`  // Unix milliseconds
	TokenType          int      `json:"tokenType"`
	ClientType         int      `json:"clientType"`
	RefreshToken       string   `json:"refreshToken"`
	RefreshValidPeriod int64    `json:"refreshValidPeriod"`
	User               authUser `json:"user"`
}

type authUser struct {
	UserID    string `json:"userId"`
	AdminType int    `json:"adminType"`
	Name      string `json:"name"`
}

// appAuthRequest is the body of an App ID log-in. Pointers tell a missing
// field from a zero one.
type appAuthRequest struct {
	AppID      *string `json:"appId"`
	ClientType *int    `json:"clientType"`
	ExpireTime *int64  `json:"expireTime"`
	Nonce      *string `json:"nonce"`
	UserID     string  `json:"userId"`
	CorpID     string  `json:"corpId"`
}

// handleAppAuth serves POST /v2/usg/acs/auth/appauth.
func (s *Server) handleAppAuth(w http.ResponseWriter, r *http.Request) {
	if !isJSON(r) || r.Header.Get(headerTokenType) != "LongTicket" {
		writeError(w, errUSGParamInvalid)
		return
	}
	sig, accessAppID, ok := parseHMACAuthorization(r.Header.Get("Authorization"))
	if !ok {
		writeError(w, errUSGAuthHeader)
		return
	}
	var req appAuthRequest
	if err := decodeJSON(r.Body, &req); err != nil ||
		req.AppID == nil || req.ClientType == nil || req.ExpireTime == nil || req.Nonce == nil ||
		*req.ClientType != clientTypeAPI || !validNonce(*req.Nonce) {
		writeError(w, errUSGParamInvalid)
		return
	}
	if req.CorpID != "" {
		// Huawei: corpId only in SP mode; in single-enterprise mode it fails
		// authentication.
		writeError(w, errUSGCorpID)
		return
	}
	appID, expireTime, nonce := *req.AppID, *req.ExpireTime, *req.Nonce
	if s.cfg.AppID == "" || appID != accessAppID || appID != s.cfg.AppID {
		writeError(w, errUSGAppID)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if expireTime <= now.Unix() || expireTime > now.Add(maxSignatureAhead).Unix() {
		writeError(w, errUSGExpireTime)
		return
	}
	mac := hmac.New(sha256.New, []byte(s.cfg.AppKey))
	io.WriteString(mac, appID+":"+req.UserID+":"+strconv.FormatInt(expireTime, 10)+":"+nonce)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		writeError(w, errUSGSignature)
		return
	}
	s.pruneNonces(now)
	if _, used := s.nonces[nonce]; used {
		writeError(w, errUSGNonceReused)
		return
	}
	s.nonces[nonce] = time.Unix(expireTime, 0)
	u, ok := s.userLocked(req.UserID)
	if !ok {
		writeError(w, errUSGUserNotFound)
		return
	}
	writeJSON(w, http.StatusOK, s.issueAccessToken(req.UserID, u, now))
}

// parseHMACAuthorization parses "HMAC-SHA256 signature=<hex>,access=<base64>"
// into the signature bytes and the App ID. The hex must be lower case.
func parseHMACAuthorization(h string) (sig []byte, appID string, ok bool) {
	rest, found := strings.CutPrefix(h, "HMAC-SHA256 ")
	if !found {
		return nil, "", false
	}
	var sigHex, access string
	for part := range strings.SplitSeq(rest, ",") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			return nil, "", false
		}
		switch k {
		case "signature":
			sigHex = v
		case "access":
			access = v
		default:
			return nil, "", false
		}
	}
	if len(sigHex) != 2*sha256.Size || strings.ToLower(sigHex) != sigHex {
		return nil, "", false
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return nil, "", false
	}
	id, err := base64.StdEncoding.DecodeString(access)
	if err != nil || len(id) == 0 {
		return nil, "", false
	}
	return sig, string(id), true
}

func validNonce(n string) bool {
	if len(n) < minNonceLen || len(n) > maxNonceLen {
		return false
	}
	for _, c := range []byte(n) {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// pruneNonces forgets nonces whose signature has expired: they can no
// longer be replayed anyway. The caller holds s.mu.
func (s *Server) pruneNonces(now time.Time) {
	for n, exp := range s.nonces {
		if !now.Before(exp) {
			delete(s.nonces, n)
		}
	}
}

// accountAuthRequest is the body of an account log-in.
type accountAuthRequest struct {
	Account    *string `json:"account"`
	ClientType *int    `json:"clientType"`
}

// handleAccountAuth serves POST /v1/usg/acs/auth/account. The account logs in
// as the enterprise administrator.
func (s *Server) handleAccountAuth(w http.ResponseWriter, r *http.Request) {
	if !isJSON(r) {
		writeError(w, errUSGParamInvalid)
		return
	}
	account, password, ok := parseBasicAuthorization(r.Header.Get("Authorization"))
	if !ok {
		writeError(w, errUSGAuthHeader)
		return
	}
	var req accountAuthRequest
	if err := decodeJSON(r.Body, &req); err != nil ||
		req.Account == nil || req.ClientType == nil ||
		*req.ClientType != clientTypeAPI || *req.Account != account {
		writeError(w, errUSGParamInvalid)
		return
	}
	accountOK := subtle.ConstantTimeCompare([]byte(account), []byte(s.cfg.Account)) == 1
	passwordOK := subtle.ConstantTimeCompare([]byte(password), []byte(s.cfg.Password)) == 1
	if s.cfg.Account == "" || !accountOK || !passwordOK {
		writeError(w, errUSGAccountOrPassword)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _ := s.userLocked("")
	writeJSON(w, http.StatusOK, s.issueAccessToken("", u, s.now()))
}

// parseBasicAuthorization is http.Request.BasicAuth for a header value, but
// strict about the scheme's spelling.
func parseBasicAuthorization(h string) (account, password string, ok bool) {
	enc, found := strings.CutPrefix(h, "Basic ")
	if !found {
		return "", "", false
	}
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", "", false
	}
	account, password, ok = strings.Cut(string(b), ":")
	return account, password, ok && account != ""
}

// issueAccessToken creates an access token for the user, evicting the
// user's oldest live token beyond maxTokensPerUser. The caller holds s.mu.
func (s *Server) issueAccessToken(userID string, u User, now time.Time) authResponse {
	live := s.userToks[userID][:0]
	for _, t := range s.userToks[userID] {
		if at, ok := s.access[t]; ok && now.Before(at.expires) {
			live = append(live, t)
		} else {
			delete(s.access, t)
		}
	}
	for len(live) >= maxTokensPerUser {
		delete(s.access, live[0])
		live = live[1:]
	}
	tok := randomToken("cnr", 40)
	expires := now.Add(s.cfg.AccessTokenLifetime)
	s.access[tok] = &accessToken{userID: userID, expires: expires}
	s.userToks[userID] = append(live, tok)

	adminType := adminTypeUser
	switch {
	case userID == "":
		adminType = adminTypeDefaultAdmin
	case u.Admin:
		adminType = adminTypeAdmin
	}
	name := u.Name
	if name == "" {
		name = userID
	}
	return authResponse{
		AccessToken:        tok,
		ValidPeriod:        int64(s.cfg.AccessTokenLifetime / time.Second),
		ExpireTime:         expires.Unix(),
		CreateTime:         now.UnixMilli(),
		TokenType:          0,
		ClientType:         clientTypeAPI,
		RefreshToken:       randomToken("cnr", 48),
		RefreshValidPeriod: refreshValidPeriod,
		User:               authUser{UserID: userUUID(userID), AdminType: adminType, Name: name},
	}
}

// authenticate returns the user of the request's live access token.
// Without one it answers 401 USER_TOKEN_AUTH_FAILED, as every API that
// takes an access token does, and ok is false. The caller holds s.mu.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (userID string, ok bool) {
	at, found := s.access[r.Header.Get(headerAccessToken)]
	if !found || !s.now().Before(at.expires) {
		writeError(w, errUserTokenAuthFail)
		return "", false
	}
	return at.userID, true
}

// isJSON reports whether the request's Content-Type is application/json,
// with a UTF-8 charset if it names one.
func isJSON(r *http.Request) bool {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// decodeJSON decodes exactly one JSON object from body into v.
func decodeJSON(body io.Reader, v any) error {
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		return errors.New("body is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after JSON object")
	}
	return nil
}
