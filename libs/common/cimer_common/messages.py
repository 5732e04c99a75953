"""What the system tells people, Turkish first, English when the request asks for it (`Accept-Language: en`): the
gateway's refusals, and the outcomes of institutions' commands on the bus.

Services raise errors with a stable `code`; this table is the one place that turns a code into words.
"""

from __future__ import annotations

from typing import Any

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
    "invalid_email": ("E-posta adresi geçersiz.", "The e-mail address is not valid."),
    "user_not_found": ("Böyle bir kullanıcı yok.", "There is no such user."),
    "invalid_username": (
        "Kullanıcı adı küçük harf, rakam, nokta, tire veya alt çizgiden oluşmalı (3-64 karakter).",
        "A username is 3 to 64 lower-case letters, digits, dots, dashes or underscores.",
    ),
    "password_too_short": ("Parola en az 12 karakter olmalıdır.", "A password has at least 12 characters."),
    "password_too_long": ("Parola çok uzun.", "The password is too long."),
    "cannot_lock_out_self": (
        "Kendi hesabınızı devre dışı bırakamaz ya da yönetici rolünüzü kaldıramazsınız.",
        "You cannot disable your own account or remove your own administrator role.",
    ),
    "invalid_code": ("Kurum kodu geçersiz.", "The institution code is not valid."),
    "invalid_type": ("Kurum türü geçersiz.", "The institution type is not valid."),
    "name_required": ("Kurum adı gereklidir.", "The institution needs a name."),
    "name_too_long": ("Kurum adı çok uzun.", "The institution's name is too long."),
    "name_not_printable": (
        "Kurum adında yazdırılamayan bir karakter var.",
        "The institution's name holds a character that cannot be printed.",
    ),
    "presidency_exists": ("Cumhurbaşkanlığı zaten tanımlı.", "The Presidency already exists."),
    "presidency_cannot_be_retired": ("Cumhurbaşkanlığı kapatılamaz.", "The Presidency cannot be retired."),
    "province_required": ("Bu tür kurum için il gereklidir.", "This type of institution needs a province."),
    "district_required": ("Bu tür kurum için ilçe gereklidir.", "This type of institution needs a district."),
    "ministry_required": ("Bu tür kurum için bakanlık gereklidir.", "This type of institution needs a ministry."),
    "unknown_ministry": ("Böyle bir bakanlık yok.", "There is no such ministry."),
    "ministry_code_mismatch": (
        "Kurum kodu bağlı olduğu bakanlıkla uyuşmuyor.",
        "The institution's code does not match its ministry.",
    ),
    "parent_required": ("Bu tür kurum bir üst kuruma bağlı olmalıdır.", "This type of institution needs a parent."),
    "unknown_parent": ("Üst kurum bulunamadı.", "There is no such parent institution."),
    "parent_cycle": (
        "Bu değişiklik kurum hiyerarşisinde döngü oluşturur.",
        "This change would make the hierarchy go round in a circle.",
    ),
    "invalid_active": ("Etkinlik değeri doğru ya da yanlış olmalıdır.", "`active` must be true or false."),
    # Working an application (SPEC section 4)
    "forward_not_allowed": (
        "Başvuru bu kuruma gönderilemez: kurumlar arası gönderim yalnızca tanımlı hiyerarşi yollarıyla yapılır.",
        "The application cannot be sent to this institution: it moves only along the hierarchy's edges.",
    ),
    "note_too_long": ("Not çok uzun (en fazla 2000 karakter).", "The note is too long (2,000 characters at most)."),
    "invalid_note": ("Not geçersiz.", "The note is not valid."),
    "reason_required": (
        "Başvuruyu Cumhurbaşkanlığına göndermek için gerekçe yazılmalıdır: konunun neden ilde çözülemeyip "
        "bakanlıkça ele alınması gerektiğini nota yazın.",
        "Sending the application up to the Presidency needs a reason: write in the note why the ministry, not the "
        "province, must settle it.",
    ),
    "already_answered": ("Başvuru zaten cevaplanmış.", "The application has already been answered."),
    "invalid_outcome": ("Sonuç olumlu ya da olumsuz olmalıdır.", "The outcome is positive or negative."),
    "answer_text_required": (
        "Başvuru sahibine gidecek cevap metni yazılmalıdır (en az 10 karakter).",
        "Write the answer for the applicant (at least 10 characters).",
    ),
    "extension_not_allowed": (
        "Süre uzatımı yalnızca bilgi edinme başvurularında yapılabilir.",
        "Only an information request's deadline can be extended.",
    ),
    "already_extended": (
        "Bu başvurunun süresi zaten bir kez uzatıldı.",
        "This deadline has already been extended once.",
    ),
    "deadline_passed": ("Süre dolduktan sonra uzatma yapılamaz.", "A deadline cannot be extended after it has passed."),
    "extension_reason_required": (
        "Uzatmanın başvuru sahibine bildirilecek gerekçesi yazılmalıdır (en az 10 karakter).",
        "Write the reason for the extension, which the applicant is told (at least 10 characters).",
    ),
    # After the answer (SPEC section 12)
    "appeal_not_allowed": (
        "Yalnızca olumsuz cevaplanan bilgi edinme başvurularına Bilgi Edinme Değerlendirme Kuruluna itiraz edilebilir.",
        "Only a negative answer to an information request can be appealed to the information review board.",
    ),
    "not_answered_yet": ("Başvuru henüz cevaplanmadı.", "The application has not been answered yet."),
    "already_appealed": ("Bu başvuru için zaten itiraz edildi.", "This application has already been appealed."),
    "appeal_window_over": (
        "İtiraz süresi doldu: cevaptan sonraki 15 gün içinde itiraz edilebilir.",
        "The time to appeal is over: an answer can be appealed within 15 days.",
    ),
    "appeal_reason_required": (
        "İtirazın gerekçesi yazılmalıdır (en az 10, en çok 5000 karakter).",
        "Write the reason for the appeal (10 to 5,000 characters).",
    ),
    "invalid_decision": (
        "Karar, reddin yerinde olduğu (upheld) ya da kurumun cevap vermesi (answer_ordered) olmalıdır.",
        "The decision is `upheld` (the refusal stands) or `answer_ordered` (the institution must answer).",
    ),
    "decision_text_required": (
        "Başvuru sahibine gidecek karar metni yazılmalıdır (en az 10 karakter).",
        "Write the decision's text for the applicant (at least 10 characters).",
    ),
    "not_under_appeal": (
        "Bu başvuru hakkında Kurulun karar vereceği bir itiraz yok.",
        "There is no appeal on this application for the board to decide.",
    ),
    "appeal_decision_required": (
        "Bu başvuru itiraz üzerine Kuruldadır: yalnızca itiraz hakkında karar verilebilir.",
        "This application is before the board on appeal: only a decision on the appeal can be made.",
    ),
    "already_closed": ("Başvuru kapatılmış.", "The application has been closed."),
    # Duplicates (SPEC section 12)
    "duplicate_not_found": (
        "Bu başvuru, açtığınız başvuruya benzer olarak işaretlenmemiş.",
        "This application is not flagged as similar to the one you opened.",
    ),
    "answer_together_not_allowed": (
        "Aynı cevap yalnızca bu başvuruya bağlanmış ve kurumunuzda cevap bekleyen başvurulara da gönderilebilir; "
        "hiçbir başvuru cevaplanmadı.",
        "The same answer can go only to applications linked to this one and awaiting an answer at your "
        "institution; nothing was answered.",
    ),
    "answer_together_partial": (
        "Bazı bağlı başvurular cevaplanamadı. Verilen cevaplar geçerlidir ve geri alınmaz; cevaplanamayanları "
        "ayrıca cevaplayın.",
        "Some linked applications could not be answered. The answers given stand and are not undone; answer the "
        "others separately.",
    ),
    "not_tried": (
        "Önceki başvuruda sistem yanıt vermediği için denenmedi.",
        "Not tried: the system did not answer for the one before.",
    ),
    "feedback_not_allowed": (
        "Başvuru cevaplandıktan sonra değerlendirilebilir.",
        "An application can be rated once it has been answered.",
    ),
    "already_rated": ("Bu cevap zaten değerlendirildi.", "This answer has already been rated."),
    "invalid_rating": ("Puan 1 ile 5 arasında bir tam sayı olmalıdır.", "The rating is a whole number from 1 to 5."),
    "invalid_solved": (
        "Sorunun çözülüp çözülmediği doğru ya da yanlış olarak belirtilmelidir.",
        "`solved` must be true or false.",
    ),
    "comment_too_long": (
        "Yorum çok uzun (en fazla 2000 karakter).",
        "The comment is too long (2,000 characters at most).",
    ),
    "answer_together_personal": (
        "Bu cevap başvuru sahibinin adını ya da başvuru numarasını içeriyor; bağlı başvurulara (başka kişilerin "
        "başvurularına) gönderilemez. Her birini ayrı cevaplayın.",
        "This answer names the applicant or the application's number; it cannot go to the linked applications "
        "(other people's). Answer each on its own.",
    ),
    "attachments_closed": (
        "Bu aşamada dosya eklenemez: başvuru sahibi cevaptan önce, kurum cevap verene kadar dosya ekleyebilir.",
        "No file can be attached now: the applicant may add files until the answer, the institution until it answers.",
    ),
    "too_many_attachments": ("En fazla 5 dosya eklenebilir.", "At most 5 files can be attached."),
    "attachment_empty": ("Dosya boş.", "The file is empty."),
    "attachment_too_large": ("Dosya en fazla 10 MB olabilir.", "A file may be 10 MB at most."),
    "attachment_type_not_allowed": (
        "Yalnızca PDF, PNG ve JPEG dosyaları eklenebilir (dosyanın içeriğine bakılır, adına değil).",
        "Only PDF, PNG and JPEG files can be attached (their content decides, not their name).",
    ),
    "attachment_infected": (
        "Dosyada zararlı yazılım bulundu; eklenmedi.",
        "Malware was found in the file; it was not attached.",
    ),
    "attachment_not_found": ("Böyle bir dosya yok.", "There is no such file."),
    "too_many_lookups": (
        "Çok fazla hatalı sorgulama; lütfen bir süre sonra yeniden deneyin.",
        "Too many failed look-ups; please try again later.",
    ),
    # Answer templates (SPEC section 12)
    "template_title_required": ("Şablonun adı yazılmalıdır.", "The template needs a title."),
    "template_title_too_long": (
        "Şablonun adı çok uzun (en fazla 200 karakter).",
        "The template's title is too long (200 characters at most).",
    ),
    "template_body_required": (
        "Şablonun metni yazılmalıdır (en az 10 karakter).",
        "Write the template's text (at least 10 characters).",
    ),
    "template_body_too_long": (
        "Şablonun metni çok uzun (en fazla 8000 karakter).",
        "The template's text is too long (8,000 characters at most).",
    ),
    "unknown_placeholder": (
        "Şablonda tanınmayan bir yer tutucu var. Kullanılabilenler: {basvuru_sahibi}, {basvuru_no}, "
        "{basvuru_tarihi}, {bugun}, {son_gun}, {kurum} (ya da İngilizce adları).",
        "The template has a placeholder that is not known. These can be used: {applicant_name}, "
        "{tracking_number}, {received_at}, {today}, {deadline}, {institution} (or their Turkish names).",
    ),
    "unclosed_placeholder": (
        "Şablonda eşi olmayan bir süslü parantez var: yer tutucular {basvuru_no} gibi yazılır.",
        "The template has a brace without its pair: placeholders are written like {tracking_number}.",
    ),
    "invalid_subject": ("Böyle bir konu yok.", "There is no such subject."),
    "answer_template_not_found": ("Böyle bir cevap şablonu yok.", "There is no such answer template."),
    # Look-ups
    "application_not_found": (
        "Bu başvuru numarası ve erişim kodu ile bir başvuru bulunamadı.",
        "No application was found with this tracking number and access code.",
    ),
    "institution_not_found": ("Böyle bir kurum yok.", "There is no such institution."),
    "invalid_application_id": ("Başvuru kimliği geçersiz.", "The application id is not valid."),
    "roles_required": ("En az bir rol verilmelidir.", "At least one role must be given."),
    "unknown_role": ("Böyle bir rol yok.", "There is no such role."),
    "invalid_format": ("Belge biçimi csv ya da pdf olmalıdır.", "The document format is csv or pdf."),
    "report_not_found": ("Bu dönemin raporu henüz hazırlanmadı.", "This month's report has not been produced yet."),
    "period_in_future": ("Henüz gelmemiş bir dönemin raporu olmaz.", "There is no report for a month yet to come."),
    "period_not_finished": (
        "Açık veri yalnızca tamamlanmış aylar için yayımlanır; bu ayın verisi ay bitince yayımlanacaktır.",
        "Open data is published for finished months only; this month's will be published once it is over.",
    ),
    "invalid_period": ("Dönem YYYY-AA biçiminde olmalıdır.", "The period must be given as YYYY-MM."),
    # Operators' dead letters (`cimer-dead-letters`)
    "dead_letter_not_found": (
        "Bu kimlikle bekleyen bir mesaj yok (ya da şu anda başka biri ele alıyor).",
        "No dead letter with this id is waiting (or someone else is handling it now).",
    ),
    "dead_letter_not_vouched": (
        "Bu mesajı hizmetin kendisi ayırmamış; yeniden uygulanmaz.",
        "This letter was not set aside by the service itself; it is not replayed.",
    ),
    "dead_letter_refused": (
        "Mesaj hâlâ uygulanamıyor; nedeni ektedir.",
        "The message still cannot be applied; the reason is attached.",
    ),
    # Institutions' systems on the bus (SPEC section 10)
    "forwarded": ("Başvuru yönlendirildi.", "The application was forwarded."),
    "returned": ("Başvuru gönderen kuruma iade edildi.", "The application was returned to its sender."),
    "answered": ("Başvuru cevaplandı.", "The application was answered."),
    "extended": ("Başvurunun süresi uzatıldı.", "The application's deadline was extended."),
    "invalid_command": (
        "Komut anlaşılamadı: JSON bir nesne ve geçerli bir command_id gereklidir.",
        "The command could not be read: a JSON object with a valid command_id is needed.",
    ),
    "institution_not_plugged": (
        "Kurumun sistemi veri yoluna bağlı değil.",
        "The institution's system is not plugged into the bus.",
    ),
    "nothing_to_return": (
        "Başvuru bu kuruma başka bir kurumdan gelmedi; iade edilemez.",
        "The application did not come from another institution, so it cannot be returned.",
    ),
    "caller_not_entitled": ("Bu işlem için yetkiniz yok.", "You are not entitled to this operation."),
    # The system itself
    "service_unavailable": (
        "Hizmet şu anda yanıt veremiyor; lütfen biraz sonra yeniden deneyin.",
        "The service cannot answer right now; please try again shortly.",
    ),
    "internal_error": ("Beklenmeyen bir hata oluştu.", "An unexpected error occurred."),
    "service_busy": (
        "Başvurular şu anda her zamankinden çok; lütfen biraz sonra yeniden deneyin. Alınan hiçbir başvuru kaybolmaz.",
        "We are receiving more applications than usual; please try again shortly. No application taken is lost.",
    ),
    "request_too_large": (
        "İstek çok büyük; başvuru metni ve ekleri sınırları aşmamalıdır.",
        "The request is too large; an application's text and attachments must stay within their limits.",
    ),
    "too_many_filings": (
        "Kısa sürede çok fazla başvuru yapıldı; lütfen bir süre sonra yeniden deneyin.",
        "Too many applications in a short time; please try again later.",
    ),
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


# --- What is wrong with one field of a request (the gateway's 422 `errors`) ----------------------------------------
#
# By pydantic's error type; `{name}` is filled from the error's `ctx` (min_length, max_length, expected, ge, le, ...).
# `value_error.email` is a `value_error` of an e-mail address. A type missing here, or whose `ctx` lacks a name its
# text needs, keeps pydantic's own (English) text.
VALIDATION_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("Bu alan zorunludur.", "This field is required."),
    "string_type": ("Metin olmalıdır.", "Must be text."),
    "string_too_short": ("En az {min_length} karakter olmalıdır.", "Must be at least {min_length} characters long."),
    "string_too_long": ("En çok {max_length} karakter olabilir.", "Must be at most {max_length} characters long."),
    "string_pattern_mismatch": ("Biçimi geçersiz.", "Is not in the expected format."),
    "value_error.email": ("Geçerli bir e-posta adresi değil.", "Is not a valid e-mail address."),
    "literal_error": ("Şunlardan biri olmalıdır: {expected}.", "Must be one of: {expected}."),
    "enum": ("Şunlardan biri olmalıdır: {expected}.", "Must be one of: {expected}."),
    "int_parsing": ("Tam sayı olmalıdır.", "Must be a whole number."),
    "int_type": ("Tam sayı olmalıdır.", "Must be a whole number."),
    "int_from_float": ("Tam sayı olmalıdır.", "Must be a whole number."),
    "float_parsing": ("Sayı olmalıdır.", "Must be a number."),
    "float_type": ("Sayı olmalıdır.", "Must be a number."),
    "greater_than_equal": ("En az {ge} olmalıdır.", "Must be at least {ge}."),
    "less_than_equal": ("En çok {le} olabilir.", "Must be at most {le}."),
    "greater_than": ("{gt} sayısından büyük olmalıdır.", "Must be greater than {gt}."),
    "less_than": ("{lt} sayısından küçük olmalıdır.", "Must be less than {lt}."),
    "bool_parsing": ("Doğru ya da yanlış (true/false) olmalıdır.", "Must be true or false."),
    "bool_type": ("Doğru ya da yanlış (true/false) olmalıdır.", "Must be true or false."),
    "extra_forbidden": ("Bu alan tanınmıyor; gönderilmemelidir.", "This field is not expected; leave it out."),
    "json_invalid": ("İstek gövdesi geçerli bir JSON değil.", "The request body is not valid JSON."),
    "json_type": ("İstek gövdesi geçerli bir JSON değil.", "The request body is not valid JSON."),
    "model_type": ("Bir nesne ({{...}}) olmalıdır.", "Must be an object ({{...}})."),
    "model_attributes_type": ("Bir nesne ({{...}}) olmalıdır.", "Must be an object ({{...}})."),
    "dict_type": ("Bir nesne ({{...}}) olmalıdır.", "Must be an object ({{...}})."),
    "list_type": ("Bir liste olmalıdır.", "Must be a list."),
    "too_short": ("En az {min_length} öğe içermelidir.", "Must have at least {min_length} items."),
    "too_long": ("En çok {max_length} öğe içerebilir.", "Must have at most {max_length} items."),
    "date_parsing": ("Geçerli bir tarih olmalıdır (YYYY-AA-GG).", "Must be a valid date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": ("Geçerli bir tarih olmalıdır (YYYY-AA-GG).", "Must be a valid date (YYYY-MM-DD)."),
    "uuid_parsing": ("Geçerli bir kimlik (UUID) olmalıdır.", "Must be a valid id (UUID)."),
    "uuid_type": ("Geçerli bir kimlik (UUID) olmalıdır.", "Must be a valid id (UUID)."),
}


def _choices(expected: str, lang: str) -> str:
    """pydantic's list of choices (`'a', 'b' or 'c'`) in the message's language."""
    return expected.replace("' or '", "' ya da '") if lang == "tr" else expected


def validation_message(error_type: str, ctx: dict[str, Any] | None, lang: str, fallback: str) -> str:
    """The text for one field's error of `error_type` (pydantic's), in `lang`; `fallback` (pydantic's own text)
    when the type is not in `VALIDATION_MESSAGES`. An e-mail address's `value_error` is told apart by its `ctx`."""
    ctx = dict(ctx or {})
    key = error_type
    if error_type == "value_error" and fallback.startswith("value is not a valid email address"):
        key = "value_error.email"
    texts = VALIDATION_MESSAGES.get(key)
    if texts is None:
        return fallback
    if isinstance(ctx.get("expected"), str):
        ctx["expected"] = _choices(ctx["expected"], lang)
    try:
        return (texts[1] if lang == "en" else texts[0]).format(**ctx)
    except (KeyError, IndexError, ValueError):  # a ctx without what the text needs
        return fallback
