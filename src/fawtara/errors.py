"""The domain error tree. Domain code raises these; each dialect maps them to its wire shape.

FawtaraError
├── NotFound
│   ├── MerchantNotFound
│   ├── InvoiceNotFound
│   ├── ClientNotFound
│   ├── PaymentNotFound
│   └── ApiKeyNotFound
├── AuthenticationFailed
│   ├── InvalidApiKey
│   ├── InactiveApiKey
│   ├── InvalidToken
│   ├── InvalidCredentials
│   ├── InvalidRefreshToken
│   ├── InvalidAccessCode
│   └── TooManyAttempts         (sign-ins throttled; the dialects answer 429)
├── InvalidInput                (well-formed request, values the domain refuses)
│   ├── InvalidAmount
│   ├── UnknownCurrency
│   └── InvalidInvoice
└── Conflict
    ├── DuplicateInvoiceNumber
    ├── DuplicateClientEmail
    ├── DuplicateTransaction
    ├── DuplicateMerchantCredential
    ├── ClientHasInvoices
    ├── InvoiceHasPayments
    └── InvoiceCancelled
"""


class FawtaraError(Exception):
    """Base of every error the domain raises on purpose."""

    message = "Fawtara error"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.message
        super().__init__(self.message)


class NotFound(FawtaraError):
    message = "Not found"


class MerchantNotFound(NotFound):
    message = "Merchant not found"


class InvoiceNotFound(NotFound):
    message = "Invoice not found"


class ClientNotFound(NotFound):
    message = "Client not found"


class PaymentNotFound(NotFound):
    message = "Payment not found"


class ApiKeyNotFound(NotFound):
    message = "API key not found"


class AuthenticationFailed(FawtaraError):
    message = "Authentication failed"


class InvalidApiKey(AuthenticationFailed):
    message = "Invalid API Key"


class InactiveApiKey(AuthenticationFailed):
    message = "Inactive API Key"


class InvalidToken(AuthenticationFailed):
    message = "Invalid or expired bearer token"


class InvalidCredentials(AuthenticationFailed):
    message = "Invalid username or password"


class InvalidRefreshToken(AuthenticationFailed):
    message = "Invalid or expired refresh token"


class TooManyAttempts(AuthenticationFailed):
    """Sign-ins refused for `retry_after` more seconds (the dialects' `Retry-After`)."""

    message = "Too many failed attempts, try again later"

    def __init__(self, message: str | None = None, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidAccessCode(AuthenticationFailed):
    message = "Invalid access code"


class InvalidInput(FawtaraError):
    """A value the domain refuses; `field` names it in the wire's dotted path form."""

    message = "Invalid input"

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidAmount(InvalidInput):
    message = "Invalid amount"


class UnknownCurrency(InvalidInput):
    message = "Unknown currency"


class InvalidInvoice(InvalidInput):
    message = "Invalid invoice"


class Conflict(FawtaraError):
    message = "Conflict"


class DuplicateInvoiceNumber(Conflict):
    message = "An invoice with this number already exists"


class DuplicateClientEmail(Conflict):
    message = "A client with this email already exists"


class DuplicateTransaction(Conflict):
    message = "A payment with this transaction_id already exists"


class DuplicateMerchantCredential(Conflict):
    message = "Another merchant already has this merchant code, access code or username"


class ClientHasInvoices(Conflict):
    message = "The client has invoices; delete or reassign them first"


class InvoiceHasPayments(Conflict):
    message = "The invoice has payments; remove them before deleting it"


class InvoiceCancelled(Conflict):
    message = "The invoice is cancelled; it takes no payments"
