module meetingbot

go 1.26.0

require (
	github.com/gorilla/websocket v1.5.3
	github.com/joho/godotenv v1.5.1
	github.com/patrickmn/go-cache v2.1.0+incompatible
	github.com/slack-go/slack v0.35.0
	golang.org/x/sync v0.25.0
)
