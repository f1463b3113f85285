import { formatAmount, money, parseCurrencyCode } from '@kinko/domain';
import { ApiProperty } from '@nestjs/swagger';
import { Result } from 'effect';

/**
 * An amount as the API carries it: never a float. `amountMinor` is the exact integer of
 * the currency's minor unit as a string; `amount` the same value as a decimal string with
 * exactly the currency's decimals (JPY `-1200`, PLN `-12.00`).
 */
export class MoneyView {
  @ApiProperty({ example: '-1200', description: 'Signed integer count of the minor unit, as a string.' })
  amountMinor!: string;

  @ApiProperty({ example: 'JPY', description: 'ISO 4217.' })
  currency!: string;

  @ApiProperty({ example: '-1200', description: 'The same amount as a decimal string with the currency’s decimals.' })
  amount!: string;

  static of(amountMinor: bigint, currency: string): MoneyView {
    const code = parseCurrencyCode(currency);
    // A currency the domain does not know has no known exponent: only the exact minor units are given.
    const amount = Result.isSuccess(code) ? formatAmount(money(amountMinor, code.success)) : amountMinor.toString();
    return { amountMinor: amountMinor.toString(), currency, amount };
  }
}
