"""Every setting read from the environment, with defaults that run on a laptop."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("ROADCHIEF_INSTANCE", ROOT / "instance"))


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{INSTANCE / 'roadchief.sqlite3'}"
    # Accept the common short forms and use psycopg 3 for PostgreSQL.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    # Embedded default: a random key kept in instance/ so sessions survive restarts.
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SQLALCHEMY_DATABASE_URI = _database_url()
    # Every pooled connection is checked before a request uses it (one short round trip),
    # so a database restart or fail-over never reaches a user as an error. Off: checked
    # only after DB_PING_AFTER_IDLE_SECONDS idle (see ping_after_idle), and the first
    # request of each worker after a restart may get the 503 page.
    DB_PRE_PING = os.environ.get("DB_PRE_PING", "on").lower() not in ("0", "false", "no", "off")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": DB_PRE_PING}
    # A PostgreSQL streaming replica for the supervision pages, exports and the Open311 list;
    # used while it is at most REPLICA_MAX_LAG_BYTES of WAL behind (checked every
    # REPLICA_CHECK_SECONDS), else those read the primary.
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip() or None
    REPLICA_MAX_LAG_BYTES = int(os.environ.get("REPLICA_MAX_LAG_BYTES", 16 * 1024 * 1024))
    REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", 5))
    # A pooled connection idle this long is checked before use (see ping_after_idle).
    DB_PING_AFTER_IDLE_SECONDS = float(os.environ.get("DB_PING_AFTER_IDLE_SECONDS", 5))
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # A hung Redis costs a request at most this (connect and each answer), and is then
    # left alone for REDIS_RETRY_SECONDS while a thread waits for it to come back.
    REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", 1.0))
    REDIS_RETRY_SECONDS = float(os.environ.get("REDIS_RETRY_SECONDS", 15))
    SECRET_KEY = _secret_key()
    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID") or None
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN") or None
    TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER") or None
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "locales")
    LANGUAGES = ("zh_Hans_CN", "en")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE / "uploads"))
    # Photos: empty PHOTO_STORE_URL keeps them in UPLOAD_DIR; s3://bucket/prefix puts them in
    # an S3-compatible store (S3_ENDPOINT_URL for MinIO/Ceph) shared by every app host. With
    # PHOTO_SIGNED_URL_SECONDS > 0 the app answers a photo it allows with a redirect to a
    # signed URL that expires that soon, instead of streaming it.
    PHOTO_STORE_URL = os.environ.get("PHOTO_STORE_URL", "").strip()
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "").strip() or None
    S3_REGION = os.environ.get("S3_REGION", "").strip() or None
    PHOTO_SIGNED_URL_SECONDS = os.environ.get("PHOTO_SIGNED_URL_SECONDS", "0")
    MAX_PHOTO_BYTES = int(os.environ.get("MAX_PHOTO_BYTES", 8 * 1024 * 1024))
    MAX_CONTENT_LENGTH = 40 * 1024 * 1024
    # Pixels a photo may decode to: four of them (the most a form takes) stay well inside a
    # worker's memory (under 40 MB each as RGB); a larger JPEG is decoded smaller.
    MAX_PHOTO_MEGAPIXELS = float(os.environ.get("MAX_PHOTO_MEGAPIXELS", 12.6))
    SMS_OUTBOX_LOG = os.environ.get("SMS_OUTBOX_LOG", str(INSTANCE / "sms-outbox.log"))
    # The SMS channel: how long a conversation waits for the answer to its one question,
    # how long after closure a "1/2/3" counts as the rating, the entry for a problem the
    # resident could not name, and sending: attempts, backoff, provider timeout.
    SMS_CONVERSATION_MINUTES = int(os.environ.get("SMS_CONVERSATION_MINUTES", 30))
    SMS_RATING_DAYS = int(os.environ.get("SMS_RATING_DAYS", 30))
    # A signed rating link works this long after it was made (and never after the case was
    # reopened or the link was used): by default the rating window.
    RATING_LINK_DAYS = int(os.environ.get("RATING_LINK_DAYS") or SMS_RATING_DAYS)
    SMS_FALLBACK_CATEGORY = os.environ.get("SMS_FALLBACK_CATEGORY", "HF99")
    SMS_MAX_ATTEMPTS = int(os.environ.get("SMS_MAX_ATTEMPTS", 5))
    SMS_RETRY_BASE_SECONDS = int(os.environ.get("SMS_RETRY_BASE_SECONDS", 30))
    SMS_SENDING_TIMEOUT_SECONDS = int(os.environ.get("SMS_SENDING_TIMEOUT_SECONDS", 600))
    # A message whose sending was cut off and whose provider cannot be asked goes to a
    # person (failed, on the outbox page) after this long.
    SMS_INTERRUPTED_GIVE_UP_SECONDS = int(os.environ.get("SMS_INTERRUPTED_GIVE_UP_SECONDS",
                                                         86400))
    TWILIO_TIMEOUT_SECONDS = float(os.environ.get("TWILIO_TIMEOUT_SECONDS", 15))
    # Which SMS gateway sends and receives: "twilio", "tencent" (Tencent Cloud SMS, sends
    # approved templates only: admin → SMS templates), "console" (a log file), or empty:
    # Twilio when its credentials are set, else the console.
    SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "").strip().lower()
    TENCENT_SECRET_ID = os.environ.get("TENCENT_SECRET_ID") or None
    TENCENT_SECRET_KEY = os.environ.get("TENCENT_SECRET_KEY") or None
    TENCENT_SMS_APP_ID = os.environ.get("TENCENT_SMS_APP_ID") or None  # SmsSdkAppId, 14...
    TENCENT_SMS_SIGN = os.environ.get("TENCENT_SMS_SIGN") or None  # the approved signature
    TENCENT_SMS_REGION = os.environ.get("TENCENT_SMS_REGION", "ap-guangzhou")
    # host[:port] of the API; a scheme prefix (http://) is for a local stand-in in tests.
    TENCENT_SMS_ENDPOINT = os.environ.get("TENCENT_SMS_ENDPOINT", "sms.tencentcloudapi.com")
    TENCENT_SMS_TIMEOUT_SECONDS = int(os.environ.get("TENCENT_SMS_TIMEOUT_SECONDS", 15))
    # The secret part of the callback URLs given to Tencent (status and reply callbacks).
    TENCENT_SMS_CALLBACK_TOKEN = os.environ.get("TENCENT_SMS_CALLBACK_TOKEN") or None
    # Optional: the addresses Tencent's callbacks may come from (comma-separated CIDRs).
    TENCENT_SMS_CALLBACK_NETWORKS = os.environ.get("TENCENT_SMS_CALLBACK_NETWORKS", "")
    # The longest value one template variable may carry (Tencent: 12 characters for an
    # individual's account; an enterprise template may allow more, set per template too).
    SMS_TEMPLATE_PARAM_MAX = int(os.environ.get("SMS_TEMPLATE_PARAM_MAX", 12))
    # The WeChat official account (公众号): the callback's token, the account's AppID and
    # AppSecret, and the EncodingAESKey for the encrypted (安全) mode; without an AES key the
    # callback takes plaintext messages. Without a token the channel is off (404).
    # WECHAT_TEMPLATES: the template id per message kind, as JSON, e.g.
    # {"submit": "...", "dispatch": "...", "rectify": "...", "verify_pass": "...",
    #  "reject": "...", "reopen": "...", "notice": "..."} (the kinds: the case event's action,
    # or notice; verify_pass, the usual closure, and close share one template if only one is
    # set; an unknown kind stops the app); a kind without one goes as a customer-service text
    # message (which WeChat refuses 48 h after the resident last wrote).
    WECHAT_TOKEN = os.environ.get("WECHAT_TOKEN") or None
    WECHAT_APP_ID = os.environ.get("WECHAT_APP_ID") or None
    WECHAT_APP_SECRET = os.environ.get("WECHAT_APP_SECRET") or None
    WECHAT_ENCODING_AES_KEY = os.environ.get("WECHAT_ENCODING_AES_KEY") or None
    WECHAT_TEMPLATES = json.loads(os.environ.get("WECHAT_TEMPLATES") or "{}")
    WECHAT_API_BASE_URL = os.environ.get("WECHAT_API_BASE_URL",
                                         "https://api.weixin.qq.com/cgi-bin/")
    WECHAT_TIMEOUT_SECONDS = float(os.environ.get("WECHAT_TIMEOUT_SECONDS", 4))
    MIGRATIONS = ROOT / "migrations"
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "roadchief")
    # The base map under every map (app/base_map.py). MAP_PROVIDER names a preset (osm,
    # tianditu, tianditu-img, amap, amap-img, tencent); unset, the one layer MAP_TILE_URL
    # (OpenStreetMap; empty: no tiles, the maps show area outlines). MAP_LAYERS (a JSON list
    # of {url, subdomains, max_zoom}) replaces the preset's layers and MAP_CRS (WGS84 or
    # GCJ02) its coordinate system; MAP_KEY fills "{key}" (Tianditu's tk). Unset, the
    # attribution and the "open in a map" link ({lat}, {lng} in the map's own system) are
    # the provider's; MAP_APPROVAL is the 审图号 text shown on every map.
    MAP_PROVIDER = os.environ.get("MAP_PROVIDER", "").strip()
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL",
                                  "https://tile.openstreetmap.org/{z}/{x}/{y}.png").strip()
    MAP_LAYERS = os.environ.get("MAP_LAYERS", "").strip()
    MAP_CRS = os.environ.get("MAP_CRS", "").strip()
    MAP_KEY = os.environ.get("MAP_KEY", "").strip()
    MAP_ATTRIBUTION = os.environ.get("MAP_ATTRIBUTION")
    MAP_APPROVAL = os.environ.get("MAP_APPROVAL", "").strip()
    MAP_OPEN_URL = os.environ.get("MAP_OPEN_URL")
    # The zoom the report map opens at around the resident (street level), and the city
    # centre it opens on when the position is refused ("lat,lng"; empty: the areas' middle).
    MAP_STREET_ZOOM = int(os.environ.get("MAP_STREET_ZOOM", 17))
    MAP_CITY_CENTRE = os.environ.get("MAP_CITY_CENTRE", "30.5928,114.3055").strip()
    # The monthly bulletin's issuing body (empty: "<place> road-chief office").
    BULLETIN_ISSUER = os.environ.get("BULLETIN_ISSUER", "").strip()
    NEARBY_RADIUS_M = int(os.environ.get("NEARBY_RADIUS_M", 150))
    # Follow-up calls (回访): a closed case without a rating is called back after these days.
    FOLLOW_UP_AFTER_DAYS = int(os.environ.get("FOLLOW_UP_AFTER_DAYS", 3))
    # Behind a reverse proxy (nginx): how many proxies to trust for X-Forwarded-For/-Proto/
    # -Host. 0 (the default) trusts none, so a client cannot forge its address to dodge the
    # per-address limits; set 1 behind one nginx, or every client shares nginx's address.
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", 0))
    # Rate limits (Flask-Limiter syntax). Storage: Redis when REDIS_URL is set, else memory.
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "true").lower() not in (
        "0", "false", "no", "off")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None
    RATELIMIT_STORAGE_OPTIONS = {"socket_timeout": REDIS_TIMEOUT_SECONDS,
                                 "socket_connect_timeout": REDIS_TIMEOUT_SECONDS}
    RATELIMIT_SWALLOW_ERRORS = True  # a down Redis must never stop a report
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True  # X-RateLimit-* and, on a 429, Retry-After
    REPORT_LIMIT_PER_ADDRESS = os.environ.get("REPORT_LIMIT_PER_ADDRESS",
                                              "20 per hour; 60 per day")
    REPORT_LIMIT_PER_PHONE = os.environ.get("REPORT_LIMIT_PER_PHONE", "5 per hour; 20 per day")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes")
    CHECK_LIMIT_PER_ADDRESS = os.environ.get("CHECK_LIMIT_PER_ADDRESS", "120 per minute")
    # Open311 GeoReport v2 (/open311/v2): the jurisdiction this server answers for, what
    # discovery tells clients, and the limit for requests without an API key (per client
    # address; a key has its own limit, set by an administrator).
    OPEN311_JURISDICTION_ID = os.environ.get("OPEN311_JURISDICTION_ID", "wuhan.gov.cn")
    OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "12345")
    OPEN311_KEY_SERVICE = os.environ.get("OPEN311_KEY_SERVICE",
                                         "Ask the city's system administrator for an API key.")
    OPEN311_CHANGESET = os.environ.get("OPEN311_CHANGESET", "2026-11-25T00:00:00+08:00")
    OPEN311_PUBLIC_LIMIT = os.environ.get("OPEN311_PUBLIC_LIMIT", "300 per minute")
    # Signed webhooks (app/services/webhooks.py): retries, backoff and when to give up.
    WEBHOOK_RETRY_BASE_SECONDS = int(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", 15))
    WEBHOOK_RETRY_MAX_SECONDS = int(os.environ.get("WEBHOOK_RETRY_MAX_SECONDS", 300))
    WEBHOOK_GIVE_UP_HOURS = int(os.environ.get("WEBHOOK_GIVE_UP_HOURS", 24))
    WEBHOOK_TIMEOUT_SECONDS = int(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", 10))
    # The SLA targets (限时整改率, 群众满意率) and the hotspot radius supervisors start with.
    METRICS_TARGET_ON_TIME = float(os.environ.get("METRICS_TARGET_ON_TIME", "0.95"))
    METRICS_TARGET_SATISFACTION = float(os.environ.get("METRICS_TARGET_SATISFACTION", "0.85"))
    METRICS_HOTSPOT_RADIUS_M = int(os.environ.get("METRICS_HOTSPOT_RADIUS_M", "100"))
    CITY_LATITUDE = float(os.environ.get("CITY_LATITUDE", "30.6"))  # scales the hotspot grid
    # The clock: reminders at these shares of a limit, escalation to the district and the
    # city after these further hours past the breach (a category may set its own).
    REMINDER_THRESHOLDS = tuple(
        float(x) for x in os.environ.get("REMINDER_THRESHOLDS", "0.5,0.8").split(",")
    )
    ESCALATE_DISTRICT_AFTER_HOURS = float(os.environ.get("ESCALATE_DISTRICT_AFTER_HOURS", 4))
    ESCALATE_CITY_AFTER_HOURS = float(os.environ.get("ESCALATE_CITY_AFTER_HOURS", 16))
    SWEEP_INTERVAL_SECONDS = int(os.environ.get("SWEEP_INTERVAL_SECONDS", 60))
    # /healthz fails when no sweep finished within this (none at all counts as none).
    SWEEP_HEALTH_WINDOW_SECONDS = int(os.environ.get("SWEEP_HEALTH_WINDOW_SECONDS", 300))
    # Without Redis the embedded default sweeps in a thread of the web process.
    SCHEDULER_IN_PROCESS = os.environ.get("SCHEDULER_IN_PROCESS", "auto")
    # Personal data (PIPL): a resident's number is anonymised this many days after their last
    # case finished; photos are deleted at this age. 0 keeps them.
    RETENTION_PHONE_DAYS = int(os.environ.get("RETENTION_PHONE_DAYS", 365))
    RETENTION_PHOTO_DAYS = int(os.environ.get("RETENTION_PHOTO_DAYS", 3 * 365))
    # Logs: one JSON object per line on stderr ("console" for readable lines while developing).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").strip().lower()
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
    # /metrics answers a scrape with "Authorization: Bearer <METRICS_TOKEN>"; without a token,
    # only one from this host.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "").strip() or None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Served over HTTPS (directly, or behind a TLS proxy with PROXY_HOPS set): cookies are
    # sent only over HTTPS and browsers are told to come back over HTTPS only (HSTS).
    HTTPS = os.environ.get("HTTPS", "off").lower() in ("1", "true", "yes", "on")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
