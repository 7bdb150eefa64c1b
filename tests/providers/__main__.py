"""``python -m tests.providers``: the loopback Twilio, WhatsApp Cloud and SMTP servers in a
process of their own (for the benchmark and ``make run`` demos, so they do not share a GIL with
the worker). Prints one JSON line with their URLs and credentials, then serves until stopped."""

import json
import signal
import threading

from tests.providers import SmtpServer, TwilioServer, WhatsAppServer


def main() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with TwilioServer() as twilio, WhatsAppServer() as whatsapp, SmtpServer() as smtp:
        described = {
            "twilio": {"base_url": twilio.base_url, "account_sid": twilio.account_sid, "auth_token": twilio.auth_token},
            "whatsapp": {
                "base_url": whatsapp.base_url,
                "phone_number_id": whatsapp.phone_number_id,
                "access_token": whatsapp.access_token,
                "app_secret": whatsapp.app_secret,
            },
            "smtp": {"host": smtp.host, "port": smtp.port},
        }
        print(json.dumps(described), flush=True)  # noqa: T201 - the process's output
        stop.wait()


if __name__ == "__main__":
    main()
