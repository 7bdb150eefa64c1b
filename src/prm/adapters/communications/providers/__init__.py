"""Provider adapters of the communications context (issue 11): the local sink, Twilio SMS,
WhatsApp Cloud API and SMTP email behind :class:`~prm.application.communications.contracts.MessageProvider`,
and the signature checks and parsers of the providers' callbacks (:mod:`.callbacks`)."""
