from rest_framework import serializers


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Staff: username. Client app: e-mail address.")
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='Send it as "Authorization: Token <token>".')
    expiry = serializers.DateTimeField(
        help_text="When the token expires unless used; each use moves it forward (R75)."
    )


class SignupSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=40, help_text="Mobile phone, in any common format.")
    email = serializers.EmailField(help_text="The username for signing in.")
    password = serializers.CharField(
        style={"input_type": "password"}, trim_whitespace=False, max_length=128
    )
    referral_code = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="A friend's referral code."
    )


class VerificationRequiredSerializer(serializers.Serializer):
    verification_required = serializers.BooleanField(
        help_text="A code was texted to the phone: finish with POST /api/v1/signup/verify/."
    )


class SignupVerifySerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=40)
    code = serializers.RegexField(
        r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Enter the 6-digit code we texted you."},
    )
    email = serializers.EmailField()
    password = serializers.CharField(
        style={"input_type": "password"}, trim_whitespace=False, max_length=128
    )


class EmailVerifySerializer(serializers.Serializer):
    code = serializers.RegexField(
        r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Enter the 6-digit code we e-mailed to your new address."},
    )
