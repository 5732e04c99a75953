"""What the gateway tells people, Turkish first, English when the request asks for it (`Accept-Language: en`).

Services raise errors with a stable `code`; this table is the one place that turns a code into words.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # Request shape
    "invalid_request": (
        "İstek geçersiz; lütfen belirtilen alanları düzeltin.",
        "The request is invalid; please correct the fields listed.",
    ),
    # Intake rules (SPEC section 2)
    "petition_type_required": ("Dilekçe türü belirtilmelidir.", "A petition must state its type."),
    "petition_type_not_allowed": (
        "Dilekçe türü yalnızca dilekçeler için belirtilir.",
        "Only a petition has a petition type.",
    ),
    "information_request_not_by_phone": (
        "Bilgi edinme başvurusu telefonla yapılamaz; yazılı olarak (internet veya şahsen) yapılmalıdır.",
        "An information request cannot be made by phone; it must be made in writing (web or in person).",
    ),
    "applicant_required": (
        "Kimlik bilgileri zorunludur; yalnızca şikâyet ve ihbarlar kimlik belirtilmeden yapılabilir.",
        "The applicant's identity is required; only complaints and denunciations may be anonymous.",
    ),
    "confidential_not_allowed": (
        "Kimliğin gizli tutulması yalnızca şikâyet ve ihbarlar için istenebilir.",
        "Only a complaint or a denunciation may keep the applicant's identity confidential.",
    ),
    "confidential_needs_applicant": (
        "Kimliğin gizli tutulması için kimlik bilgileri verilmelidir.",
        "A confidential application needs the applicant's identity.",
    ),
    "invalid_national_id": ("T.C. Kimlik Numarası geçersiz.", "The national ID number (T.C. Kimlik No) is not valid."),
    "official_required": (
        "Etik şikâyette şikâyet edilen görevlinin adı, unvanı ve kurumu belirtilmelidir.",
        "An ethics complaint must name the official, their rank and institution.",
    ),
    "official_not_allowed": (
        "Görevli bilgisi yalnızca etik şikâyetlerde verilir.",
        "Only an ethics complaint names an official.",
    ),
    "unknown_province": ("Böyle bir il yok.", "There is no such province."),
    "unknown_district": ("Bu ilde böyle bir ilçe yok.", "There is no such district in this province."),
    "district_needs_province": ("İlçe için il de belirtilmelidir.", "A district needs its province."),
    "province_or_institution_required": (
        "Başvurunun ilgili olduğu il ya da kurum belirtilmelidir.",
        "State the province or the institution the application concerns.",
    ),
    "officer_login_required": (
        "Telefon ve şahsen yapılan başvuruları yalnızca oturum açmış görevliler kaydedebilir.",
        "Phone and in-person applications are recorded only by a logged-in officer.",
    ),
    "other_province": (
        "Alo 150 görevlisi yalnızca kendi ilinin başvurularını kaydedebilir.",
        "An Alo 150 officer records applications for their own province only.",
    ),
    # Officers: login and access
    "login_required": ("Bu işlem için oturum açmalısınız.", "You must log in to do this."),
    "invalid_credentials": ("Kullanıcı adı veya parola hatalı.", "The username or password is wrong."),
    "too_many_attempts": (
        "Çok fazla başarısız giriş denemesi; lütfen bir süre sonra yeniden deneyin.",
        "Too many failed login attempts; please try again later.",
    ),
    "token_expired": (
        "Oturumunuzun süresi doldu; lütfen yeniden giriş yapın.",
        "Your session has expired; please log in again.",
    ),
    "invalid_token": (
        "Oturum bilgisi geçersiz; lütfen yeniden giriş yapın.",
        "The session token is not valid; please log in again.",
    ),
    "session_revoked": (
        "Bu oturum sonlandırılmış; lütfen yeniden giriş yapın.",
        "This session has been ended; please log in again.",
    ),
    "invalid_refresh_token": (
        "Oturum yenilenemedi; lütfen yeniden giriş yapın.",
        "The session could not be renewed; please log in again.",
    ),
    "forbidden": ("Bu işlem için yetkiniz yok.", "You are not allowed to do this."),
    # Administration
    "username_taken": ("Bu kullanıcı adı kullanılıyor.", "This username is taken."),
    "unknown_institution": ("Böyle bir kurum yok.", "There is no such institution."),
    "institution_exists": ("Bu kodla bir kurum zaten var.", "An institution with this code already exists."),
    # Look-ups
    "application_not_found": (
        "Bu başvuru numarası ve erişim kodu ile bir başvuru bulunamadı.",
        "No application was found with this tracking number and access code.",
    ),
    "institution_not_found": ("Böyle bir kurum yok.", "There is no such institution."),
    "invalid_application_id": ("Başvuru kimliği geçersiz.", "The application id is not valid."),
    "roles_required": ("En az bir rol verilmelidir.", "At least one role must be given."),
    "unknown_role": ("Böyle bir rol yok.", "There is no such role."),
    "invalid_period": ("Dönem YYYY-AA biçiminde olmalıdır.", "The period must be given as YYYY-MM."),
    # The system itself
    "service_unavailable": (
        "Hizmet şu anda yanıt veremiyor; lütfen biraz sonra yeniden deneyin.",
        "The service cannot answer right now; please try again shortly.",
    ),
    "internal_error": ("Beklenmeyen bir hata oluştu.", "An unexpected error occurred."),
}


def language(accept_language: str | None) -> str:
    """`en` when the client prefers English, Turkish otherwise (the default of a Turkish public service)."""
    if not accept_language:
        return "tr"
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("tr"):
            return "tr"
        if tag.startswith("en"):
            return "en"
    return "tr"


def message(code: str, lang: str) -> str:
    turkish, english = MESSAGES.get(code, MESSAGES["internal_error"])
    return english if lang == "en" else turkish
