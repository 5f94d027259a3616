"""Company domain normalization: lower case, no scheme, no ``www.``, no path or port."""

import re

from abm.exceptions import ApplicationError

_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize_domain(value: str | None) -> str | None:
    """Return the bare domain of a company website, or None when blank.

    ``HTTPS://www.Example.com/about`` becomes ``example.com``. Raises
    ApplicationError (field ``domain``) for something that is not a domain.
    """
    if value is None:
        return None
    domain = value.strip().lower()
    if not domain:
        return None
    domain = re.sub(r"^[a-z][a-z0-9+.-]*://", "", domain)
    domain = domain.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    domain = domain.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    if domain.startswith("www."):
        domain = domain[4:]
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ApplicationError(f"'{value}' is not a valid domain.", field="domain") from exc
    if not _DOMAIN_RE.match(domain):
        raise ApplicationError(f"'{value}' is not a valid domain.", field="domain")
    return domain
